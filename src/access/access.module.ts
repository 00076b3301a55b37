import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { AccessTracker } from './access-tracker.service.js';

@Module({
  imports: [StorageModule],
  providers: [AccessTracker],
  exports: [AccessTracker],
})
export class AccessModule {}
