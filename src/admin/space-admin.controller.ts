import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestCaller } from '../auth/caller.decorator.js';
import { RequireScope } from '../auth/scopes.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import type { Caller } from '../spaces/space-access.js';
import { SpaceDeleteResponse, SpaceTransferDto, SpaceTransferResponse } from './dto/space-admin.dto.js';
import { SpaceAdminService } from './space-admin.service.js';

/** Whole spaces: move, copy, delete (an admin key; one bound to spaces only within its spaces). */
@ApiTags('admin')
@ApiAuthenticated()
@RequireScope('admin')
@Controller('api/admin/spaces')
export class SpaceAdminController {
  constructor(private readonly spaces: SpaceAdminService) {}

  @Post('transfer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move (or copy) every memory of one space to another; texts the target already holds are skipped' })
  @ApiOkResponse({ type: SpaceTransferResponse })
  async transfer(@Body() dto: SpaceTransferDto, @RequestCaller() caller: Caller): Promise<SpaceTransferResponse> {
    const copy = dto.copy === true;
    return { ...(await this.spaces.transfer(dto.from, dto.to, copy, caller)), copy };
  }

  @Delete(':space')
  @ApiOperation({ summary: 'Delete every memory of a space, after a verified backup (SQLite)' })
  @ApiOkResponse({ type: SpaceDeleteResponse })
  async delete(@Param('space') space: string, @RequestCaller() caller: Caller): Promise<SpaceDeleteResponse> {
    const { deleted, backupId } = await this.spaces.delete(space, caller);
    return { deleted, backup_id: backupId };
  }
}
