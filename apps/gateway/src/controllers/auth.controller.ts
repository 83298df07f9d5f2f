import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EndUserTokenService } from '#auth';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { ApiKeyPrincipal } from '../auth/principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { TokenRequestDto, TokenResponseDto } from '../dto/chat.dto.js';
import { ApiRoute } from '../http/api-route.decorator.js';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly tokens: EndUserTokenService) {}

  @Post('token')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @ApiRoute({
    summary: 'Issue a short-lived end-user token',
    description: 'Call from your backend with the tenant API key; hand the token to the app or browser of that end user.',
    auth: 'apiKey',
    type: TokenResponseDto,
    errors: [400, 403, 413],
  })
  issue(@ApiKeyPrincipal() principal: Extract<Principal, { kind: 'apiKey' }>, @Body() dto: TokenRequestDto): TokenResponseDto {
    const { token, expiresIn } = this.tokens.issue(principal.tenant.id, dto.userId);
    return { token, expiresIn, tokenType: 'Bearer' };
  }
}
