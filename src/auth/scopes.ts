import { SetMetadata } from '@nestjs/common';
import type { SpaceAccess } from '../spaces/space-access.js';

/**
 * What a key may do: read (list, get, search, events), write (store, update, delete), admin
 * (backups, restore, imports, keys, metrics), metrics (only /metrics, for a scraper).
 */
export const SCOPES = ['read', 'write', 'admin', 'metrics'] as const;
export type Scope = (typeof SCOPES)[number];

export const REQUIRED_SCOPE = 'auth:requiredScope';

/** The scope a route needs, or any one of several (on a controller: its routes' default; on a method: that route's). */
export const RequireScope = (...scopes: [Scope, ...Scope[]]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_SCOPE, scopes);

/** Who a request acts as: the key's label and scopes (never the key). */
export interface KeyIdentity {
  label: string;
  scopes: ReadonlySet<Scope>;
  /** A labelled key of MCP_API_KEYS_FILE (its label is recorded as stored_by); false for MCP_API_KEY and keyless access. */
  labelled: boolean;
  /** Set for an OAuth access token: the grant it belongs to (stable across refreshes; owns MCP sessions). */
  grantId?: string;
  /** The spaces it may read and write. */
  spaces: SpaceAccess;
}

export const FULL_ACCESS: ReadonlySet<Scope> = new Set(SCOPES);
