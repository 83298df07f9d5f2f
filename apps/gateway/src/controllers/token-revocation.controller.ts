import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { TokenRevocationService } from '#auth';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { ApiKeyPrincipal } from '../auth/principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { RevokedTokensResponseDto, RevokeTokensDto } from '../dto/token-revocation.dto.js';
import { ApiRoute } from '../http/api-route.decorator.js';

@ApiTags('auth')
@Controller('v1/auth')
export class TokenRevocationController {
  constructor(private readonly revocations: TokenRevocationService) {}

  @Post('revoke')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @ApiRoute({
    summary: "Revoke every token issued so far to one end user",
    description: 'On every gateway, from the next request: those tokens get 401 `TOKEN_REVOKED`. Tokens issued afterwards work. To shut out a whole tenant, disable it.',
    auth: 'apiKey',
    type: RevokedTokensResponseDto,
    errors: [400, 403, 429],
  })
  revoke(@ApiKeyPrincipal() caller: Extract<Principal, { kind: 'apiKey' }>, @Body() dto: RevokeTokensDto): Promise<RevokedTokensResponseDto> {
    return this.revocations.revokeUser(caller.tenant.id, dto.userId, `key:${caller.keyPrefix}`);
  }
}
