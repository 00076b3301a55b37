import { Module } from '@nestjs/common';
import { MdnsAdvertiser } from './mdns-advertiser.service.js';

@Module({
  providers: [MdnsAdvertiser],
  exports: [MdnsAdvertiser],
})
export class DiscoveryModule {}
