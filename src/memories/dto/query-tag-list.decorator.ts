import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsTagList } from './is-tag-list.decorator.js';

/**
 * A list of tags in a query string, in either form clients use: one comma-separated value
 * (`?tag=a,b`) or the parameter repeated (`?tag=a&tag=b`, also `?tag[]=a`). Repeated values are
 * taken literally, so a tag that contains a comma can be asked for that way.
 */
export const QueryTagList = (): PropertyDecorator =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',') : value), { toClassOnly: true }),
    IsTagList(),
  );
