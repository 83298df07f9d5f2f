import { Readable } from 'node:stream';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res, StreamableFile, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { KB_MEDIA_TYPES, KB_LIMITS, KbTransferService, KnowledgeService } from '#knowledge';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { ApiKeyPrincipal } from '../auth/principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { ErrorResponseDto } from '../dto/error-response.dto.js';
import {
  KbEntryIdParamDto,
  KbEntryPageResponseDto,
  KbEntryRequestDto,
  KbEntryResponseDto,
  KbExportQueryDto,
  KbImportQueryDto,
  KbImportResponseDto,
  KbListQueryDto,
} from '../dto/kb.dto.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { BodyMediaType, CSV, NDJSON, TextBody } from '../http/body-parsers.js';

type ApiKeyCaller = Extract<Principal, { kind: 'apiKey' }>;

/** Import bodies may be far larger than the global JSON limit; only this route gets it. */
export const KB_IMPORT_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

const NDJSON_EXAMPLE =
  '{"id":"card-instalment","question":"信用卡账单可以分期吗?","similarQuestions":["账单能不能分期还款"],"answer":"可以,账单可分3/6/12期。","tags":["credit-card"]}\n' +
  '{"id":"branch-hours","question":"What are your branch opening hours?","answer":"9:00-17:00 on weekdays."}\n';
const CSV_EXAMPLE =
  'id,question,answer,similarQuestions,tags\r\n' +
  'card-instalment,信用卡账单可以分期吗?,"可以,账单可分3/6/12期。",账单能不能分期还款|分期怎么收费,credit-card\r\n';

const notFound = ApiResponse({
  status: 404,
  type: ErrorResponseDto,
  description: '`KB_ENTRY_NOT_FOUND`: this tenant has no entry with this id',
  example: { statusCode: 404, code: 'KB_ENTRY_NOT_FOUND', message: 'knowledge-base entry "card-instalment" not found' },
});

@ApiTags('knowledge base')
@UseGuards(ApiKeyGuard)
@Controller('v1/kb')
export class KbController {
  constructor(
    private readonly entries: KnowledgeService,
    private readonly transfer: KbTransferService,
  ) {}

  @Post('entries')
  @ApiRoute({ summary: 'Create an entry', description: 'Workers answer from it on the next chat turn.', auth: 'apiKey', status: 201, type: KbEntryResponseDto, errors: [400, 403, 409, 413] })
  @ApiResponse({
    status: 409,
    type: ErrorResponseDto,
    description: '`KB_ENTRY_EXISTS`: the id is taken (PUT replaces an entry)',
    example: { statusCode: 409, code: 'KB_ENTRY_EXISTS', message: 'knowledge-base entry "card-instalment" already exists; PUT /v1/kb/entries/card-instalment replaces it' },
  })
  create(@ApiKeyPrincipal() caller: ApiKeyCaller, @Body() dto: KbEntryRequestDto): Promise<KbEntryResponseDto> {
    return this.entries.create(caller.tenant.id, caller.keyPrefix, dto);
  }

  @Get('entries')
  @ApiRoute({ summary: 'List entries in id order, a page at a time', auth: 'apiKey', type: KbEntryPageResponseDto, errors: [400, 403] })
  list(@ApiKeyPrincipal() caller: ApiKeyCaller, @Query() query: KbListQueryDto): Promise<KbEntryPageResponseDto> {
    return this.entries.listPage(caller.tenant.id, query);
  }

  @Get('entries/:id')
  @ApiRoute({ summary: 'Read an entry', auth: 'apiKey', type: KbEntryResponseDto, errors: [400, 403] })
  @notFound
  get(@ApiKeyPrincipal() caller: ApiKeyCaller, @Param() { id }: KbEntryIdParamDto): Promise<KbEntryResponseDto> {
    return this.entries.get(caller.tenant.id, id);
  }

  @Put('entries/:id')
  @ApiRoute({
    summary: 'Create or replace an entry',
    description: '201 when the entry was created, 200 when it replaced one. Omitted lists become empty.',
    auth: 'apiKey',
    type: KbEntryResponseDto,
    okDescription: 'Replaced',
    errors: [400, 403, 413],
  })
  @ApiResponse({ status: 201, type: KbEntryResponseDto, description: 'Created' })
  async put(
    @ApiKeyPrincipal() caller: ApiKeyCaller,
    @Param() { id }: KbEntryIdParamDto,
    @Body() dto: KbEntryRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KbEntryResponseDto> {
    // PUT answers 201 when it created the resource (RFC 9110), so the status depends on the outcome.
    const { entry, created } = await this.entries.put(caller.tenant.id, caller.keyPrefix, id, dto);
    void reply.status(created ? 201 : 200);
    return entry;
  }

  @Delete('entries/:id')
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete an entry', auth: 'apiKey', status: 204, errors: [400, 403] })
  @notFound
  remove(@ApiKeyPrincipal() caller: ApiKeyCaller, @Param() { id }: KbEntryIdParamDto): Promise<void> {
    return this.entries.remove(caller.tenant.id, caller.keyPrefix, id);
  }

  @Post('import')
  @HttpCode(200)
  @TextBody([NDJSON, CSV], KB_IMPORT_BODY_LIMIT_BYTES)
  @ApiRoute({
    summary: 'Bulk import (NDJSON or CSV), all or nothing',
    description:
      `\`application/x-ndjson\`: one JSON entry per line (\`similar_questions\` is accepted for \`similarQuestions\`). ` +
      '`text/csv`: a header row naming the columns `id,question,answer,similarQuestions,tags`; list cells separate items with `|` ' +
      '(write a literal `|` as `\\|`); an empty id is generated. ' +
      `At most ${KB_LIMITS.importEntriesMax} entries and ${KB_IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MiB per call. ` +
      'Every line is validated first (the rules of `POST /v1/kb/entries`, ids unique in the file); on any error nothing changes and ' +
      '`KB_IMPORT_INVALID` lists up to 100 problems by line (1-based, as in the file).',
    auth: 'apiKey',
    type: KbImportResponseDto,
    errors: [400, 403, 413],
  })
  @ApiConsumes(NDJSON, CSV)
  @ApiBody({ schema: { type: 'string' }, examples: { ndjson: { summary: 'NDJSON (send as application/x-ndjson)', value: NDJSON_EXAMPLE }, csv: { summary: 'CSV (send as text/csv)', value: CSV_EXAMPLE } } })
  @ApiResponse({
    status: 400,
    type: ErrorResponseDto,
    description: '`KB_IMPORT_INVALID`: the file has errors; nothing was changed',
    example: {
      statusCode: 400,
      code: 'KB_IMPORT_INVALID',
      message: 'import rejected, nothing was changed: 2 errors; first at line 3: invalid JSON: Unexpected end of JSON input',
      details: { errors: [{ line: 3, message: 'invalid JSON: Unexpected end of JSON input' }, { line: 5, field: 'answer', message: 'answer is required' }], totalErrors: 2, omittedErrors: 0 },
    },
  })
  @ApiResponse({ status: 415, type: ErrorResponseDto, description: '`UNSUPPORTED_MEDIA_TYPE`: send `application/x-ndjson` or `text/csv`' })
  import(@ApiKeyPrincipal() caller: ApiKeyCaller, @Query() { mode }: KbImportQueryDto, @BodyMediaType() mediaType: string, @Body() text: string): Promise<KbImportResponseDto> {
    // A declared but absent body (no bytes at all) is an empty file.
    return this.transfer.import(caller.tenant.id, caller.keyPrefix, { text: text ?? '', format: mediaType === CSV ? 'csv' : 'ndjson', mode: mode ?? 'upsert' });
  }

  @Get('export')
  @ApiRoute({ summary: 'Export every entry (NDJSON, or CSV with `?format=csv`), in id order', description: 'Importing the file restores the same entries.', auth: 'apiKey', okDescription: 'The file', errors: [400, 403] })
  @ApiOkResponse({
    content: { [NDJSON]: { schema: { type: 'string' }, example: NDJSON_EXAMPLE }, [CSV]: { schema: { type: 'string' }, example: CSV_EXAMPLE } },
  })
  async export(@ApiKeyPrincipal() caller: ApiKeyCaller, @Query() { format = 'ndjson' }: KbExportQueryDto): Promise<StreamableFile> {
    const chunks = await this.transfer.export(caller.tenant.id, format);
    return new StreamableFile(Readable.from(chunks, { objectMode: false }), {
      type: `${KB_MEDIA_TYPES[format]}; charset=utf-8`,
      disposition: `attachment; filename="kb-${caller.tenant.id}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
    });
  }
}
