import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsString, Matches, MaxLength } from 'class-validator';
import { MAX_TAG_LENGTH, MAX_TAGS } from '../../common/input-limits.js';

/** Text without NUL characters, which PostgreSQL text cannot hold (refused on every backend alike). */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
export const NO_NUL = /^[^\u0000]*$/u;
export const NO_NUL_MESSAGE = '$property must not contain NUL characters';

/** A list of at most MAX_TAGS strings of at most MAX_TAG_LENGTH characters each. */
export const IsTagList = (): PropertyDecorator =>
  applyDecorators(
    IsArray(),
    ArrayMaxSize(MAX_TAGS),
    IsString({ each: true }),
    MaxLength(MAX_TAG_LENGTH, { each: true }),
    Matches(NO_NUL, { each: true, message: NO_NUL_MESSAGE }),
  );
