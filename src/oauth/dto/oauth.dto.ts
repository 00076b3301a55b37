import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, Matches, ValidateNested } from 'class-validator';
import { type AuthorizationView, type GrantView, OAUTH_SCOPES } from '../oauth.service.js';

const SPACE_NAME = /^~?[A-Za-z0-9_.@:-]{1,64}$/;

export class GrantSpacesDto {
  @ApiPropertyOptional({ type: [String], description: 'Spaces the client may write (and read)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(SPACE_NAME, { each: true, message: 'each space is 1-64 letters, digits or . _ - @ : (a personal space starts with ~)' })
  write?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Spaces the client may only read' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(SPACE_NAME, { each: true, message: 'each space is 1-64 letters, digits or . _ - @ : (a personal space starts with ~)' })
  read?: string[];
}

export class ApproveAuthorizationDto {
  @ApiPropertyOptional({
    type: GrantSpacesDto,
    nullable: true,
    description: "The spaces the client may use, each within the approving key's own (default: all the approving key may use)",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => GrantSpacesDto)
  spaces?: GrantSpacesDto | null;

  @ApiProperty({
    enum: OAUTH_SCOPES,
    isArray: true,
    required: false,
    description: 'The scopes to grant: all or some of those the client asked for (default: all of them)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(OAUTH_SCOPES.length)
  @IsIn(OAUTH_SCOPES, { each: true })
  scopes?: string[];
}

export class AuthorizationResponse implements AuthorizationView {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  client_id!: string;

  @ApiProperty({ type: String, nullable: true, description: 'As the client registered itself: not verified' })
  client_name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  client_uri!: string | null;

  @ApiProperty({ description: 'Where the browser goes with the code once approved' })
  redirect_uri!: string;

  @ApiProperty({ enum: OAUTH_SCOPES, isArray: true })
  scopes!: string[];

  @ApiProperty({ example: 'https://memory.example.com/mcp' })
  resource!: string;

  @ApiProperty({ enum: ['pending', 'approved', 'denied', 'redeemed'] })
  status!: AuthorizationView['status'];

  @ApiProperty()
  expires_at!: string;
}

export class DecisionResponse {
  @ApiProperty({ description: "The client's redirect URI with the code (approved) or error=access_denied (denied)" })
  redirect_to!: string;
}

export class GrantResponse implements GrantView {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  client_id!: string;

  @ApiProperty({ type: String, nullable: true })
  client_name!: string | null;

  @ApiProperty({ enum: OAUTH_SCOPES, isArray: true })
  scopes!: string[];

  @ApiProperty()
  resource!: string;

  @ApiProperty({ description: 'The label of the key that approved it' })
  approved_by!: string;

  @ApiProperty()
  created_at!: string;

  @ApiProperty({ type: GrantSpacesDto, nullable: true, description: 'The spaces it may write and only read (null: every space)' })
  spaces!: { write: string[]; read: string[] } | null;
}

export class GrantListResponse {
  @ApiProperty({ type: [GrantResponse] })
  grants!: GrantResponse[];
}
