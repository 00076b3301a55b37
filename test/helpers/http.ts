/** A small JSON client over real HTTP (fetch), returning status, headers and parsed body. */
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Sent as-is instead of JSON.stringify(body). */
  rawBody?: string | Buffer;
  /** A multipart form (fetch sets its Content-Type with the boundary). */
  form?: FormData;
  headers?: Record<string, string>;
  apiKey?: string | null;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | null = null,
  ) {}

  withKey(apiKey: string | null): ApiClient {
    return new ApiClient(this.baseUrl, apiKey);
  }

  async request<T = any>(path: string, options: RequestOptions = {}): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.apiKey === undefined ? this.apiKey : options.apiKey;
    if (key !== null && headers.authorization === undefined) headers.authorization = `Bearer ${key}`;
    let body: string | Buffer | FormData | undefined;
    if (options.form !== undefined) body = options.form;
    else if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method: options.method ?? 'GET', headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Non-JSON answers (HTML docs) stay as text.
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  get<T = any>(path: string, options: RequestOptions = {}): Promise<JsonResponse<T>> {
    return this.request<T>(path, options);
  }

  post<T = any>(path: string, body: unknown, options: RequestOptions = {}): Promise<JsonResponse<T>> {
    return this.request<T>(path, { ...options, method: 'POST', body });
  }

  put<T = any>(path: string, body: unknown, options: RequestOptions = {}): Promise<JsonResponse<T>> {
    return this.request<T>(path, { ...options, method: 'PUT', body });
  }

  upload<T = any>(path: string, form: FormData, options: RequestOptions = {}): Promise<JsonResponse<T>> {
    return this.request<T>(path, { ...options, method: 'POST', form });
  }

  delete<T = any>(path: string, options: RequestOptions = {}): Promise<JsonResponse<T>> {
    return this.request<T>(path, { ...options, method: 'DELETE' });
  }
}
