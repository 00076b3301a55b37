import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { OAuthController } from './oauth.controller.js';
import { OAuthService } from './oauth.service.js';

/** OAuth 2.1 for /mcp (MCP_OAUTH_ENABLED=true): the provider behind the SDK's endpoints, and the operator's consent API. */
@Module({
  imports: [StorageModule],
  controllers: [OAuthController],
  providers: [OAuthService],
  exports: [OAuthService],
})
export class OAuthModule {}
