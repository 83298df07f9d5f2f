import { Controller, Get, Query, StreamableFile, UseGuards } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { AuditQueryService } from '#audit';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { ApiKeyPrincipal } from '../auth/principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { AuditPageDto, AuditQueryDto, toAuditFilter } from '../dto/audit.dto.js';
import { ApiRoute } from '../http/api-route.decorator.js';

const EXPORT_TYPES = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

@ApiTags('audit')
@UseGuards(ApiKeyGuard)
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get()
  @ApiProduces('application/json', 'application/x-ndjson', 'text/csv')
  @ApiRoute({
    summary: "The tenant's audit trail, newest first",
    description:
      'Filters combine with AND. JSON (default) returns one page and a `nextCursor`; `format=jsonl` or `format=csv` streams every matching row ' +
      '(from `cursor` on, if given) as JSON Lines or CSV. Only the calling tenant’s rows are ever read.',
    auth: 'apiKey',
    type: AuditPageDto,
    errors: [400, 403, 429],
  })
  list(@ApiKeyPrincipal() caller: Extract<Principal, { kind: 'apiKey' }>, @Query() query: AuditQueryDto): Promise<AuditPageDto> | StreamableFile {
    const filter = toAuditFilter(query);
    if (query.format === 'jsonl' || query.format === 'csv') {
      const stream = this.audit.export(caller.tenant.id, filter, query.format, query.cursor);
      return new StreamableFile(stream, { type: EXPORT_TYPES[query.format], disposition: `attachment; filename="audit-${caller.tenant.id}.${query.format}"` });
    }
    return this.audit.page(caller.tenant.id, filter, query.limit ?? 100, query.cursor);
  }
}
