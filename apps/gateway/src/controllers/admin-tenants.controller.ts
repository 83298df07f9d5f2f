import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { TenantAdminService } from '#tenancy';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { TenantIdParamDto, TenantKeyParamDto } from '../dto/params.dto.js';
import {
  ApiKeyResponseDto,
  CreatedTenantResponseDto,
  CreateTenantDto,
  IssueApiKeyDto,
  IssuedApiKeyResponseDto,
  TenantResponseDto,
  UpdateTenantDto,
} from '../dto/tenant.dto.js';

@ApiTags('admin')
@UseGuards(AdminTokenGuard)
@Controller('v1/admin/tenants')
export class AdminTenantsController {
  constructor(private readonly tenants: TenantAdminService) {}

  @Post()
  @ApiRoute({ summary: 'Create a tenant; returns its first API key once', auth: 'admin', status: 201, type: CreatedTenantResponseDto, errors: [400, 409, 413] })
  create(@Body() dto: CreateTenantDto): Promise<CreatedTenantResponseDto> {
    return this.tenants.create(dto);
  }

  @Get(':id')
  @ApiRoute({ summary: "Read a tenant and its effective config", auth: 'admin', type: TenantResponseDto, errors: [400, 404] })
  get(@Param() { id }: TenantIdParamDto): Promise<TenantResponseDto> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @ApiRoute({ summary: 'Change name, config or status (`{"status":"disabled"}` disables at once)', auth: 'admin', type: TenantResponseDto, errors: [400, 404, 413] })
  update(@Param() { id }: TenantIdParamDto, @Body() dto: UpdateTenantDto): Promise<TenantResponseDto> {
    return this.tenants.update(id, dto);
  }

  @Get(':id/api-keys')
  @ApiRoute({ summary: "List a tenant's API keys (never their secrets)", auth: 'admin', type: [ApiKeyResponseDto], errors: [400, 404] })
  listKeys(@Param() { id }: TenantIdParamDto): Promise<ApiKeyResponseDto[]> {
    return this.tenants.listKeys(id);
  }

  @Post(':id/api-keys')
  @ApiRoute({ summary: 'Issue another API key (rotation); shown once', auth: 'admin', status: 201, type: IssuedApiKeyResponseDto, errors: [400, 404] })
  issueKey(@Param() { id }: TenantIdParamDto, @Body() dto: IssueApiKeyDto): Promise<IssuedApiKeyResponseDto> {
    return this.tenants.issueKey(id, dto.label ?? null);
  }

  @Delete(':id/api-keys/:keyId')
  @HttpCode(204)
  @ApiRoute({ summary: 'Revoke an API key; it stops working at once on every gateway', auth: 'admin', status: 204, errors: [400, 404] })
  revokeKey(@Param() { id, keyId }: TenantKeyParamDto): Promise<void> {
    return this.tenants.revokeKey(id, keyId);
  }
}
