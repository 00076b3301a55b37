import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';

const NAME = /^~?[A-Za-z0-9_.@:-]{1,64}$/;
const NAME_MESSAGE = '$property must be a space name: 1-64 letters, digits or . _ - @ : (a personal space starts with ~)';

export class SpaceTransferDto {
  @ApiProperty({ example: 'alice', description: 'The space whose memories move (or are copied)' })
  @IsString()
  @Matches(NAME, { message: NAME_MESSAGE })
  from!: string;

  @ApiProperty({ example: 'team', description: 'Where they go' })
  @IsString()
  @Matches(NAME, { message: NAME_MESSAGE })
  to!: string;

  @ApiPropertyOptional({ type: 'boolean', nullable: true, description: 'Copy instead of move (the source keeps its memories); default false' })
  @IsOptional()
  @IsBoolean()
  copy?: boolean | null;
}

export class SpaceTransferResponse {
  @ApiProperty({ description: 'Memories moved or copied' })
  moved!: number;

  @ApiProperty({ description: 'Memories whose text the target already holds: left where they are' })
  skipped!: number;

  @ApiProperty()
  copy!: boolean;
}

export class SpaceDeleteResponse {
  @ApiProperty({ description: 'Memories deleted' })
  deleted!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The backup taken first (null on PostgreSQL, whose backups are its own)' })
  backup_id!: string | null;
}
