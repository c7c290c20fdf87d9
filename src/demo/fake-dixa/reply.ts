// What a route handler returns, and the error it throws to answer with Dixa's `{message}` body.

export interface Reply {
  status: number;
  /** Omitted for 202/204: Dixa sends no body on those. */
  body?: unknown;
}

export class DixaHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const messages = {
  notFound: 'The requested resource could not be found',
  unauthorized: 'User is unauthorized to perform an underlying operation',
  decoding: 'Decoding failure in request',
  invalid: 'Invalid value in request',
  tooManyRequests: 'Too Many Requests',
  serverError: 'There was an internal server error while processing the request',
} as const;

export const ok = (data: unknown): Reply => ({ status: 200, body: { data } });
export const created = (data: unknown): Reply => ({ status: 201, body: { data } });
export const noContent = (): Reply => ({ status: 204 });

export const badRequest = (message: string = messages.invalid): DixaHttpError => new DixaHttpError(400, message);
export const notFound = (): DixaHttpError => new DixaHttpError(404, messages.notFound);
export const decodingFailure = (): DixaHttpError => new DixaHttpError(400, messages.decoding);
