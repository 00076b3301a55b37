import { Inject, Injectable } from '@nestjs/common';
import { STORAGE_STATUS, type StorageStatus } from '../storage/roles.js';
import type { LatencyResponse, OverviewResponse } from './dto/overview.dto.js';
import { OperationTimings, type TimingSummary } from './operation-timings.js';
import { SizeHistory } from './size-history.js';
import { type Caller, readableSpaces } from '../spaces/space-access.js';

const DAY_SECONDS = 86_400;
const TOP_TAGS = 10;

const latency = ({ count, p50Ms, p95Ms }: TimingSummary): LatencyResponse => ({ count, p50_ms: p50Ms, p95_ms: p95Ms });

/** The day (YYYY-MM-DD) of an instant in a zone `offsetSeconds` east of UTC. */
const dayOf = (epochSeconds: number, offsetSeconds: number): string => new Date((epochSeconds + offsetSeconds) * 1000).toISOString().slice(0, 10);

/** A picture of the store for the dashboard's Overview. */
@Injectable()
export class StatsService {
  constructor(
    @Inject(STORAGE_STATUS) private readonly storage: StorageStatus,
    private readonly timings: OperationTimings,
    private readonly sizes: SizeHistory,
  ) {}

  /**
   * Counts over the spaces the caller may read (or the one named). The database's size is the
   * whole file's: a key bound to spaces gets no size history (it would show others' growth).
   */
  async overview(days: number, utcOffsetMinutes: number, caller: Caller, space?: string | null): Promise<OverviewResponse> {
    const spaces = readableSpaces(caller, space);
    const now = Date.now() / 1000;
    const offset = utcOffsetMinutes * 60;
    // Midnight (in the viewer's zone) of the first day shown.
    const todayStart = Math.floor((now + offset) / DAY_SECONDS) * DAY_SECONDS - offset;
    const from = todayStart - (days - 1) * DAY_SECONDS;
    const [perDay, tags, statistics, sizes] = await Promise.all([
      this.storage.createdPerDay(from, offset, spaces),
      this.storage.tagCounts(spaces),
      this.storage.statistics(spaces),
      caller.spaces.read === null ? this.sizes.history() : [],
    ]);
    const counts = new Map(perDay.map((d) => [d.day, d.count]));
    const memoriesPerDay = Array.from({ length: days }, (_, i) => {
      const day = dayOf(from + i * DAY_SECONDS, offset);
      return { day, count: counts.get(day) ?? 0 };
    });
    return {
      generated_at: new Date(now * 1000).toISOString(),
      total_memories: statistics.totalMemories,
      total_tags: statistics.totalTags,
      memories_per_day: memoriesPerDay,
      top_tags: tags.slice(0, TOP_TAGS),
      database_size: sizes.map((s) => ({ at: new Date(s.at).toISOString(), bytes: s.bytes })),
      latency: { store: latency(this.timings.summary('store')), search: latency(this.timings.summary('search')) },
    };
  }
}
