import { type ArgumentMetadata, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError, InvalidInputError } from './domain-errors.js';

function flatten(errors: readonly ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith('property ') ? `unknown field "${field}"` : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Deeper request bodies are refused: nothing legitimate nests this far, and deep values cost stack. */
export const MAX_BODY_DEPTH = 32;

/** Nesting depth of a parsed JSON value, measured without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_BODY_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The one validation pipe: DTO whitelist with unknown fields rejected, errors as
 * {field, message} lists. The api_key query parameter is an auth credential accepted on every
 * route, so it is removed before a query DTO is checked.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new InvalidInputError(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = metadata.metatype !== undefined && this.toValidate(metadata);
    if (metadata.type === 'body' && isDto && !isPlainObject(value)) {
      throw InvalidInputError.field('body', 'the request body must be a JSON object');
    }
    if (metadata.type === 'body' && depthOf(value) > MAX_BODY_DEPTH) {
      throw InvalidInputError.field('body', `the request body nests deeper than ${MAX_BODY_DEPTH} levels`);
    }
    if (metadata.type === 'query' && isPlainObject(value) && 'api_key' in value) {
      const { api_key: _credential, ...rest } = value;
      return super.transform(rest, metadata);
    }
    return super.transform(value, metadata);
  }
}
