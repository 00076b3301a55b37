import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Stable, meaningful operation ids (what generated clients name their functions), one per
 * documented operation. A route without one here stops start-up, so none is ever left with a
 * framework default like `MemoriesController_store`.
 */
const OPERATION_IDS: Readonly<Record<string, string>> = {
  'POST /api/memories': 'storeMemory',
  'GET /api/memories': 'listMemories',
  'POST /api/memories/bulk-delete': 'bulkDeleteMemories',
  'GET /api/memories/search/tags': 'searchMemoriesByTagLegacy',
  'GET /api/memories/{content_hash}': 'getMemory',
  'GET /api/memories/{content_hash}/history': 'getMemoryHistory',
  'PUT /api/memories/{content_hash}': 'updateMemory',
  'DELETE /api/memories/{content_hash}': 'deleteMemory',
  'GET /api/tags': 'listTags',
  'GET /api/spaces': 'listSpaces',
  'POST /api/sessions': 'storeSession',
  'POST /api/documents/ingest': 'ingestDocument',
  'POST /api/documents/upload': 'uploadDocument',
  'POST /api/documents/batch-upload': 'batchUploadDocuments',
  'GET /api/documents/status/{upload_id}': 'getUploadStatus',
  'GET /api/documents/history': 'getUploadHistory',
  'GET /api/documents/search-content/{upload_id}': 'getUploadContent',
  'DELETE /api/documents/remove/{upload_id}': 'removeUpload',
  'DELETE /api/documents/remove-by-tags': 'removeUploadsByTags',
  'POST /api/manage/bulk-delete': 'manageBulkDelete',
  'POST /api/manage/cleanup-duplicates': 'manageCleanupDuplicates',
  'GET /api/manage/untagged/count': 'countUntaggedMemories',
  'POST /api/manage/delete-untagged': 'deleteUntaggedMemories',
  'GET /api/manage/tags/stats': 'getTagStatistics',
  'PUT /api/manage/tags/{old_tag}': 'renameTag',
  'POST /api/manage/system/{operation}': 'runSystemOperation',
  'POST /api/consolidation/merge': 'mergeMemories',
  'GET /api/consolidation/recommendations': 'getConsolidationRecommendations',
  'GET /api/consolidation/recommendations/{time_horizon}': 'getConsolidationRecommendationsForHorizon',
  'GET /api/conflicts': 'listConflicts',
  'POST /api/conflicts/resolve': 'resolveConflict',
  'POST /api/search': 'searchMemories',
  'GET /api/search': 'searchMemoriesByQueryString',
  'POST /api/search/by-tag': 'searchMemoriesByTag',
  'POST /api/search/by-time': 'searchMemoriesByTime',
  'GET /api/search/similar/{content_hash}': 'findSimilarMemories',
  'GET /api/health': 'getHealth',
  'GET /api/health/detailed': 'getDetailedHealth',
  'GET /api/health/sync-status': 'getSyncStatus',
  'GET /api/memory-stats': 'getMemoryStats',
  'POST /api/clear-caches': 'clearCaches',
  'GET /api/types': 'listMemoryTypes',
  'GET /api/events/stream': 'streamEvents',
  'GET /api/events': 'streamNamedEvents',
  'GET /api/events/stats': 'getEventStats',
  'GET /api/stats/overview': 'getStatsOverview',
  'POST /api/admin/backup': 'createBackup',
  'GET /api/admin/backups': 'listBackups',
  'GET /api/admin/backups/status': 'getBackupStatus',
  'POST /api/admin/restore': 'restoreBackup',
  'POST /api/admin/integrity-check': 'checkIntegrity',
  'DELETE /api/admin/backups/{backup_id}': 'deleteBackup',
  'GET /api/admin/export': 'exportMemories',
  'POST /api/admin/import': 'importFile',
  'POST /api/admin/import/jsonl': 'importJsonLines',
  'POST /api/admin/reembed': 'reembedMemories',
  'GET /api/admin/keys': 'listKeys',
  'POST /api/admin/spaces/transfer': 'transferSpace',
  'DELETE /api/admin/spaces/{space}': 'deleteSpace',
  'GET /api/oauth/authorizations/{id}': 'getOAuthAuthorization',
  'POST /api/oauth/authorizations/{id}/approve': 'approveOAuthAuthorization',
  'POST /api/oauth/authorizations/{id}/deny': 'denyOAuthAuthorization',
  'GET /api/admin/oauth/grants': 'listOAuthGrants',
  'DELETE /api/admin/oauth/grants/{id}': 'revokeOAuthGrant',
  'POST /api/backup/now': 'createBackupUpstream',
  'GET /api/backup/list': 'listBackupsUpstream',
  'GET /api/backup/status': 'getBackupStatusUpstream',
};

/** Aliases kept for the deployment guide's curl lines, documented under their /api names only. */
const UNDOCUMENTED_ALIASES = ['/health', '/health/detailed', '/health/sync-status'];

/**
 * Finishes the generated document for typed clients and linters: explicit operation ids, a
 * `servers` entry (this server), `security: []` on the public operations, and the guide-only
 * aliases left out.
 */
export function finishOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  for (const alias of UNDOCUMENTED_ALIASES) delete document.paths[alias];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation === undefined) continue;
      const id = OPERATION_IDS[`${method.toUpperCase()} ${path}`];
      if (id === undefined) throw new Error(`no operationId for ${method.toUpperCase()} ${path}: add one in src/common/openapi-document.ts`);
      operation.operationId = id;
      operation.security ??= [];
    }
  }
  document.servers = [{ url: '/', description: 'this server (the document is served by it)' }];
  return document;
}
