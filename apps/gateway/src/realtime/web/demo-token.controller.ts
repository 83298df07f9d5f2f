import { randomUUID } from 'node:crypto';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { EndUserTokenService } from '#auth';
import { DomainError, ErrorCode } from '#common';
import { TenantCacheService } from '#tenancy';

export const DEMO_TENANT_ID = 'demo-bank';
const VISITOR_ID = /^visitor-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class DemoTokenQueryDto {
  @IsOptional()
  @Matches(VISITOR_ID, { message: 'visitorId must be one this endpoint issued' })
  visitorId?: string;
}

/**
 * `GET /demo/token`: an end-user token of the demo tenant for the web chat page, so a
 * developer can try the page without a backend. Registered only outside production, and
 * answers only while a tenant `demo-bank` exists. Visitor ids are random and returned, so
 * the page keeps its conversation across reloads.
 */
@ApiExcludeController()
@Controller('demo')
export class DemoTokenController {
  constructor(
    private readonly tokens: EndUserTokenService,
    private readonly tenants: TenantCacheService,
  ) {}

  @Get('token')
  @Header('cache-control', 'no-store')
  async issue(@Query() query: DemoTokenQueryDto): Promise<{ token: string; expiresIn: number; tenantId: string; userId: string }> {
    const tenant = await this.tenants.get(DEMO_TENANT_ID);
    if (tenant?.status !== 'active') throw new DomainError(ErrorCode.NotFound, `no active demo tenant "${DEMO_TENANT_ID}"`);
    const userId = query.visitorId ?? `visitor-${randomUUID()}`;
    const { token, expiresIn } = this.tokens.issue(DEMO_TENANT_ID, userId);
    return { token, expiresIn, tenantId: DEMO_TENANT_ID, userId };
  }
}
