import { type ArgumentMetadata, Injectable, Logger, ValidationPipe, type ValidationError } from '@nestjs/common';
import { keptAsSent } from './keep-as-sent.decorator.js';
import { type FieldError, InvalidInputError } from './domain-errors.js';
import { nestsDeeperThan } from './input-limits.js';

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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Query parameters as DTOs expect them: `api_key` (a credential accepted on every route) is
 * removed, and PHP-style list names (`tag[]=a`) are read as the plain name.
 */
function normalizeQuery(query: Record<string, unknown>): Record<string, unknown> {
  const normalized: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (key === 'api_key') continue;
    if (key.endsWith('[]')) {
      const name = key.slice(0, -2);
      normalized[name] = [...[normalized[name] ?? []].flat(), ...[value].flat()];
    } else {
      normalized[key] = Array.isArray(normalized[key]) ? [...(normalized[key] as unknown[]), ...[value].flat()] : value;
    }
  }
  return normalized;
}

/**
 * The one validation pipe: DTO whitelist, errors as {field, message} lists. Fields a DTO does not
 * know are dropped, not refused (the upstream service ignores them, and clients written for a
 * newer or older version send some); their names are logged at debug. Wrong types and values out
 * of range are refused. The api_key query parameter is an auth credential accepted on every
 * route, so it is removed before a query DTO is checked.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  private readonly logger = new Logger('Validation');

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: false,
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
    if (metadata.type === 'body' && nestsDeeperThan(value, MAX_BODY_DEPTH)) {
      throw InvalidInputError.field('body', `the request body nests deeper than ${MAX_BODY_DEPTH} levels`);
    }
    if (metadata.type === 'query' && isPlainObject(value))
      return this.reportIgnored(normalizeQuery(value), await super.transform(normalizeQuery(value), metadata), metadata);
    if (metadata.type === 'body' && isDto && isPlainObject(value))
      return this.reportIgnored(value, await this.transformKeepingFreeForm(value, metadata), metadata);
    return super.transform(value, metadata);
  }

  /** Logs (at debug) the names of the fields the DTO dropped. */
  private reportIgnored(input: Record<string, unknown>, dto: unknown, metadata: ArgumentMetadata): unknown {
    if (isPlainObject(dto) || (typeof dto === 'object' && dto !== null)) {
      const ignored = Object.keys(input).filter((key) => !Object.hasOwn(dto as object, key));
      if (ignored.length > 0) this.logger.debug({ msg: 'Ignored unknown fields', in: metadata.type, fields: ignored.slice(0, 20).map((f) => f.slice(0, 64)) });
    }
    return dto;
  }

  /**
   * Free-form JSON properties (@KeepAsSent) are validated as stand-ins of the same kind ({} or
   * []) and then given to the DTO exactly as parsed: the framework's prototype-key stripping and
   * class-transformer (which drop or choke on keys named constructor, toString, ...) only ever
   * see the stand-ins. Everywhere else those keys are stripped as usual.
   */
  private async transformKeepingFreeForm(value: Record<string, unknown>, metadata: ArgumentMetadata): Promise<unknown> {
    const kept = keptAsSent(metadata.metatype!).filter((key) => Object.hasOwn(value, key));
    if (kept.length === 0) return super.transform(value, metadata);
    const standIns = { ...value };
    for (const key of kept) {
      const raw = value[key];
      standIns[key] = Array.isArray(raw) ? [] : isPlainObject(raw) ? {} : raw;
    }
    const dto = (await super.transform(standIns, metadata)) as Record<string, unknown>;
    for (const key of kept) dto[key] = value[key];
    return dto;
  }
}
