import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedStudent } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { getStorage } from '../../shared/storage/s3.ts';
import { userKeys } from '../../shared/db/entities/user.ts';
import { avatarDownloadUrl } from '../../functions/users/avatar.ts';
import { laggingReplica } from '../support/consistency.ts';
import { objectExists } from '../support/s3.ts';

const MAX_AVATAR_BYTES = 64 * 1024;
const stack = useTestStack({ MAX_AVATAR_BYTES: String(MAX_AVATAR_BYTES) });
const api = apiClient(() => stack.apiUrl);

/** A real 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
/** A real 1x1 GIF. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const WEBP_HEAD = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);

function avatarForm(content: Buffer, filename = 'me.png', type = 'image/png', field = 'avatar'): FormData {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(content)], { type }), filename);
  return form;
}


async function storedUser(userId: string) {
  const db = getDb();
  return (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.user(userId) }))).Item!;
}


describe('POST /users/avatar', () => {
  it('stores a real PNG and returns a URL that serves the same bytes', async () => {
    const { user, token } = await seedStudent();

    const res = await api.post('/users/avatar', undefined, { token, form: avatarForm(PNG) });

    expect(res.status).toBe(200);
    const url: string = res.body.data.avatar;
    expect(url.startsWith(`${stack.apiUrl}/users/${user.id}/avatar?v=`)).toBe(true);
    const image = await fetch(url, { redirect: 'follow' });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(PNG);
    const profile = await api.get('/users/profile', { token });
    expect(profile.body.data.avatar).toBe(url);
  });

  it('stores the object under a server-made key in the uploader\'s folder, whatever the file name says', async () => {
    const { user, token } = await seedStudent();

    await api.post('/users/avatar', undefined, { token, form: avatarForm(PNG, '../../avatars/someone-else/x.exe', 'application/octet-stream') });

    const item = await storedUser(user.id);
    expect(item.avatarFileKey).toMatch(new RegExp(`^avatars/${user.id}/[0-9A-HJKMNP-TV-Z]{26}\\.png$`));
    expect(await objectExists(item.avatarFileKey)).toBe(true);
  });

  it('replacing the avatar deletes the old object and serves the new image', async () => {
    const { user, token } = await seedStudent();
    const first = await api.post('/users/avatar', undefined, { token, form: avatarForm(PNG) });
    const firstKey = (await storedUser(user.id)).avatarFileKey;

    const second = await api.post('/users/avatar', undefined, { token, form: avatarForm(GIF, 'me.gif', 'image/gif') });

    expect(second.status).toBe(200);
    expect(second.body.data.avatar).not.toBe(first.body.data.avatar);
    const secondKey = (await storedUser(user.id)).avatarFileKey;
    expect(secondKey).toMatch(/\.gif$/);
    expect(await objectExists(firstKey)).toBe(false);
    const image = await fetch(second.body.data.avatar, { redirect: 'follow' });
    expect(image.headers.get('content-type')).toBe('image/gif');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(GIF);
  });

  it.each([
    ['JPEG', JPEG_HEAD, 'image/jpeg', 'jpg'],
    ['WebP', WEBP_HEAD, 'image/webp', 'webp'],
  ])('recognises a %s by its leading bytes, not the declared type', async (_name, content, mimeType, ext) => {
    const { user, token } = await seedStudent();

    const res = await api.post('/users/avatar', undefined, { token, form: avatarForm(content, 'photo.bin', 'text/plain') });

    expect(res.status).toBe(200);
    expect((await storedUser(user.id)).avatarFileKey.endsWith(`.${ext}`)).toBe(true);
    const image = await fetch(res.body.data.avatar, { redirect: 'follow' });
    expect(image.headers.get('content-type')).toBe(mimeType);
  });

  it.each([
    ['a text file', Buffer.from('just some text, honest')],
    ['a PDF (allowed as a file, not as an avatar)', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n')],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
  ])('refuses %s renamed .png and declared image/png, and keeps the current avatar', async (_case, content) => {
    const { user, token } = await seedStudent();
    await api.post('/users/avatar', undefined, { token, form: avatarForm(PNG) });
    const before = await storedUser(user.id);

    const res = await api.post('/users/avatar', undefined, { token, form: avatarForm(content, 'cat.png', 'image/png') });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'avatar' } });
    expect(await storedUser(user.id)).toEqual(before);
  });

  it('says in error.message which field is wrong and why (frontends show the message)', async () => {
    const { token } = await seedStudent();

    const res = await api.post('/users/avatar', undefined, { token, form: avatarForm(Buffer.from('just text'), 'notes.txt', 'text/plain') });

    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('Invalid input "avatar": must be a JPEG, PNG, GIF or WebP image');
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a file over MAX_AVATAR_BYTES, and accepts one exactly at it', async () => {
    const { token } = await seedStudent();
    const atLimit = Buffer.concat([PNG, Buffer.alloc(MAX_AVATAR_BYTES - PNG.length)]);
    const overLimit = Buffer.concat([atLimit, Buffer.alloc(1)]);

    const over = await api.post('/users/avatar', undefined, { token, form: avatarForm(overLimit) });
    const at = await api.post('/users/avatar', undefined, { token, form: avatarForm(atLimit) });

    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(at.status).toBe(200);
  });

  it.each([
    ['an empty file', () => avatarForm(Buffer.alloc(0))],
    ['a form without the avatar field', () => { const f = new FormData(); f.append('note', 'hi'); return f; }],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, form) => {
    const { token } = await seedStudent();

    const res = await api.post('/users/avatar', undefined, { token, form: form() });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'avatar' } });
  });

  it('answers 400 for a file in another field and for a JSON body', async () => {
    const { token } = await seedStudent();

    const otherField = await api.post('/users/avatar', undefined, { token, form: avatarForm(PNG, 'me.png', 'image/png', 'file') });
    const json = await api.post('/users/avatar', { avatar: 'https://example.test/me.png' }, { token });

    expect(otherField.status).toBe(400);
    expect(json.status).toBe(400);
  });

  it('refuses an upload without a token with 401', async () => {
    const res = await api.post('/users/avatar', undefined, { form: avatarForm(PNG) });
    expect(res.status).toBe(401);
  });
});

describe('GET /users/{userId}/avatar', () => {
  it('redirects (302) to a short-lived presigned URL, without a token', async () => {
    const { user, token } = await seedStudent();
    await api.post('/users/avatar', undefined, { token, form: avatarForm(PNG) });

    const res = await api.get(`/users/${user.id}/avatar`);

    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(location.pathname).toContain(`avatars/${user.id}/`);
    expect(res.headers.get('cache-control')).toBe('private, max-age=240');
  });

  it('serves the avatar just uploaded, not the one a lagging replica still shows (the redirect is cached for minutes)', async () => {
    const { user, token } = await seedStudent();
    await api.post('/users/avatar', undefined, { token, form: avatarForm(PNG) });
    const withFirst = await storedUser(user.id);
    await api.post('/users/avatar', undefined, { token, form: avatarForm(GIF, 'me.gif', 'image/gif') });

    const url = await avatarDownloadUrl(laggingReplica(userKeys.user(user.id), withFirst), getStorage(), user.id);

    expect(new URL(url).pathname).toContain((await storedUser(user.id)).avatarFileKey);
  });

  it('answers 404 for a user without an avatar and for an unknown user alike', async () => {
    const { user } = await seedStudent();

    const none = await api.get(`/users/${user.id}/avatar`);
    const unknown = await api.get('/users/user_01JZZZZZZZZZZZZZZZZZZZZZZZ/avatar');

    expect(none.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 400 for a malformed user id', async () => {
    const res = await api.get('/users/not-a-user/avatar');
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('userId');
  });
});
