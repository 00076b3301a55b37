import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { INPUT_LIMITS } from './input-limits.js';

export interface CountOptions {
  /** A query string's text is converted to a number first; a JSON body's count may also be null (not given). */
  in: 'body' | 'query';
  description?: string;
  /** What an absent count means: OpenAPI's `default` for a query parameter; said in the description for a body field (generated clients would make a body field with a default required). */
  default?: number;
}

/** An optional whole-number count from 1 to `max`: the validation rule and its OpenAPI description from one place. */
export const CountProperty = (max: number, options: CountOptions): PropertyDecorator => {
  const inBody = options.in === 'body';
  const description = options.description ?? (inBody && options.default !== undefined ? `Default ${options.default}` : undefined);
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: 1,
      maximum: max,
      ...(inBody ? { nullable: true } : {}),
      ...(!inBody && options.default !== undefined ? { default: options.default } : {}),
      ...(description === undefined ? {} : { description }),
    }),
    IsOptional(),
    ...(inBody ? [] : [Type(() => Number)]),
    IsInt(),
    Min(1),
    Max(max),
  );
};

/** How many results a search returns (n_results, limit): 1 to INPUT_LIMITS.results, default 10. */
export const ResultCount = (options: Omit<CountOptions, 'default'>): PropertyDecorator => CountProperty(INPUT_LIMITS.results, { ...options, default: 10 });
