import { usersRoutes } from '#shared/contract/users.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { parseMultipart } from '#shared/http/multipart.ts';
import { HttpReply, reply, paginationOf } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import { getStorage } from '#shared/storage/s3.ts';
import { getConfig } from '#shared/config.ts';
import { adminUserViews, getProfile, profileOf, updateProfile } from './profile.ts';
import { AVATAR_REDIRECT_MAX_AGE_SECONDS, avatarDownloadUrl, uploadAvatar } from './avatar.ts';
import { listDirectory } from './directory.ts';
import { setUserStatus } from './status.ts';
import { disconnectUser } from '#shared/realtime/push.ts';

const { APP_URL, API_URL } = getConfig();

export const handler = createHttpHandler(usersRoutes, {
  getProfile: async ({ auth }) => profileOf(await getProfile(getDb(), auth.id), APP_URL),

  updateProfile: async ({ auth, body, request }) => profileOf(await updateProfile(getDb(), auth.id, body, request.now), APP_URL),

  uploadAvatar: async ({ auth, files, request, log }) =>
    profileOf(await uploadAvatar({ db: getDb(), storage: getStorage(), apiUrl: API_URL, log }, auth.id, files, request.now), APP_URL),

  getAvatar: async ({ params }) => {
    const url = await avatarDownloadUrl(getDb(), getStorage(), params.userId);
    // Cacheable for less than the presigned URL lives, so a page of avatars does not cost a request each time.
    return new HttpReply(302, undefined, { Location: url, 'Cache-Control': `private, max-age=${AVATAR_REDIRECT_MAX_AGE_SECONDS}` });
  },

  listStudents: async ({ query }) => {
    const page = await listDirectory(getDb(), { role: 'student', status: query.status, search: query.search }, query);
    return reply.page(await adminUserViews(getDb(), page.items, APP_URL), paginationOf(page, query));
  },

  listUsers: async ({ query }) => {
    const page = await listDirectory(getDb(), { role: query.role, status: query.status, search: query.search }, query);
    return reply.page(await adminUserViews(getDb(), page.items, APP_URL), paginationOf(page, query));
  },

  getUser: async ({ params }) => (await adminUserViews(getDb(), [await getProfile(getDb(), params.userId)], APP_URL))[0],

  updateStatus: async ({ auth, params, body, request, log }) => {
    const user = await setUserStatus(getDb(), auth, params.userId, body, request.now, { disconnectUser: (id) => disconnectUser(id), log });
    return (await adminUserViews(getDb(), [user], APP_URL))[0];
  },
}, { parseMultipart });
