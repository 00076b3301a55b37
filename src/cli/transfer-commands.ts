import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createLogger, PinoNestLogger } from '../common/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { ExportService } from '../transfer/export.service.js';
import { type ImportProgress, type ImportReport, ImportService } from '../transfer/import.service.js';
import { type ReembedReport, ReembedService } from '../transfer/reembed.service.js';
import { TransferAppModule } from '../transfer/transfer-app.module.js';
import { progressReporter } from './progress.js';
import { postToRunningServer } from './running-server.js';

async function withTransferServices<T>(config: AppConfig, work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(TransferAppModule.forRoot(config), {
    logger: new PinoNestLogger(createLogger(config, 2)),
    abortOnError: false,
  });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

/** `mcp-memory export [--with-vectors] [--output FILE]`: JSON Lines on stdout (or into a file). */
export function runExport(config: AppConfig, options: { withVectors: boolean; output: string | null }): Promise<number> {
  return withTransferServices(config, async (app) => {
    const out: Writable = options.output === null ? process.stdout : createWriteStream(options.output);
    let lines = 0;
    for await (const chunk of app.get(ExportService).lines(options.withVectors)) {
      lines += chunk.split('\n').length - 1;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    if (out !== process.stdout) {
      out.end();
      await finished(out);
    }
    process.stderr.write(
      `Exported ${lines} memories${options.withVectors ? ' with their vectors' : ''}${options.output === null ? '' : ` to ${options.output}`}\n`,
    );
    return 0;
  });
}

/** `mcp-memory import FILE` (JSON Lines; - for stdin) and `mcp-memory import-upstream FILE`. */
export function runImport(config: AppConfig, options: { file: string; upstream: boolean; json: boolean }): Promise<number> {
  return withTransferServices(config, async (app) => {
    const imports = app.get(ImportService);
    const progress = progressReporter(options.upstream ? 'imported' : 'read', 'entries');
    const onProgress = ({ done, total }: ImportProgress): void => progress(done, total);
    const report = options.upstream
      ? await imports.importUpstream(options.file, onProgress)
      : await imports.importJsonLines(options.file === '-' ? process.stdin : createReadStream(options.file), onProgress);
    progress(report.imported + report.duplicates + report.refused + skippedCount(report), null, true);
    console.log(options.json ? JSON.stringify(report) : reportText(report));
    return 0;
  });
}

const skippedCount = (report: ImportReport): number => Object.values(report.skipped).reduce((a, b) => a + b, 0);

function reportText(report: ImportReport): string {
  const lines = [
    `Imported ${report.imported} memories in ${report.seconds} s (${report.per_second} entries/s)` +
      (report.vectors_reused > 0 ? `, ${report.vectors_reused} with their own vectors` : ''),
    `Already present (same content hash): ${report.duplicates}`,
    ...Object.entries(report.skipped).map(([reason, count]) => `Skipped, ${reason}: ${count}`),
    `Refused: ${report.refused}`,
    ...report.refusals.slice(0, 20).map((r) => `  ${r.source}${r.content_hash ? ` (${r.content_hash.slice(0, 12)})` : ''}: ${r.reason}`),
  ];
  if (report.refused > 20) lines.push(`  ... and ${report.refused - 20} more (--json lists the first 1,000)`);
  return lines.join('\n');
}

/**
 * `mcp-memory reembed --model X`: through the running server when it answers (it keeps serving
 * and switches models itself), else on the database directly (configured with its current model).
 */
export async function runReembed(config: AppConfig, options: { model: string; json: boolean }): Promise<number> {
  const remote = await postToRunningServer(config, '/admin/reembed', { model: options.model });
  const report =
    (remote?.body as ReembedReport | undefined) ??
    (await withTransferServices(config, (app) => app.get(ReembedService).reembed(options.model, progressReporter('re-embedded', 'memories'))));
  console.log(
    options.json
      ? JSON.stringify(report)
      : `Re-embedded ${report.memories} memories (${report.embedded} by this run) in ${report.seconds} s${remote ? ` through the server at ${remote.base}` : ''}: ` +
          `the database now uses ${report.model} (${report.dimension}-d), was ${report.from_model} (${report.from_dimension}-d). ` +
          `Set MCP_EMBEDDING_MODEL=${report.model} for every process that opens it.`,
  );
  return 0;
}
