import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional } from 'class-validator';
import { type AuthorizationView, type GrantView, OAUTH_SCOPES } from '../oauth.service.js';

export class ApproveAuthorizationDto {
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
}

export class GrantListResponse {
  @ApiProperty({ type: [GrantResponse] })
  grants!: GrantResponse[];
}
