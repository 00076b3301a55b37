import { Module } from '@nestjs/common';
import { OperationTimings } from './operation-timings.js';

/** The operation timings, shared by the services that record them and the stats that report them. */
@Module({ providers: [OperationTimings], exports: [OperationTimings] })
export class TimingsModule {}
