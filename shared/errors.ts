// Domain errors carry the spec's error code and HTTP status; the HTTP pipeline turns them into the error envelope.
export type ErrorCode =
  | 'AUTHENTICATION_REQUIRED'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'VALIDATION_ERROR'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMIT_EXCEEDED'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE';

const statusByCode: Record<ErrorCode, number> = {
  AUTHENTICATION_REQUIRED: 401,
  UNAUTHORIZED: 403,
  NOT_FOUND: 404,
  VALIDATION_ERROR: 400,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_SERVER_ERROR: 500,
  /**
   * A feature this deployment has not been configured for (e.g. Google sign-in without a client id), a dependency
   * that is down (health), or a throttled table.
   */
  SERVICE_UNAVAILABLE: 503,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = statusByCode[code];
  }
}

export const authenticationRequired = (message = 'Authentication required') =>
  new AppError('AUTHENTICATION_REQUIRED', message);
export const forbidden = (message = 'You are not allowed to do this') => new AppError('UNAUTHORIZED', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
/** The default message reads like the pipeline's schema errors: frontends show `error.message` as it is. */
export const validationError = (field: string, issue: string, message = `Invalid input "${field}": ${issue}`) =>
  new AppError('VALIDATION_ERROR', message, { field, issue });
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new AppError('CONFLICT', message, details);
export const payloadTooLarge = (message: string, details?: Record<string, unknown>) =>
  new AppError('PAYLOAD_TOO_LARGE', message, details);
