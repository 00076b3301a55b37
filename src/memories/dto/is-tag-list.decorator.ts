import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsString, MaxLength } from 'class-validator';
import { MAX_TAG_LENGTH, MAX_TAGS } from '../../common/input-limits.js';

/** A list of at most MAX_TAGS strings of at most MAX_TAG_LENGTH characters each. */
export const IsTagList = (): PropertyDecorator =>
  applyDecorators(IsArray(), ArrayMaxSize(MAX_TAGS), IsString({ each: true }), MaxLength(MAX_TAG_LENGTH, { each: true }));
