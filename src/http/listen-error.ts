// Why the HTTP server could not listen, in one line naming the setting to change.
export class ListenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ListenError';
  }
}

export function listenErrorOf(error: unknown, port: number, host: string): Error {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new ListenError(`PORT=${port} is already in use on ${host}: stop the other process or set PORT to a free port.`, { cause: error });
  }
  if (code === 'EACCES') {
    return new ListenError(`PORT=${port} on ${host} needs privileges the gateway does not have: set PORT to 1024 or above.`, { cause: error });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new ListenError(`HOST=${host} is not an address of this machine: set HOST to one of its addresses, e.g. 127.0.0.1.`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
