import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '#common';
import { WebAssets } from './web-assets.js';

// The page loads nothing from elsewhere and runs no inline script: a strict policy costs nothing.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The web chat page: plain files, no build step. Not part of the API, so not in Swagger. */
@ApiExcludeController()
@Controller()
export class WebChatController {
  constructor(private readonly assets: WebAssets) {}

  @Get()
  page(@Res() reply: FastifyReply): Promise<void> {
    return this.serve('index.html', reply);
  }

  @Get('web/chat.js')
  script(@Res() reply: FastifyReply): Promise<void> {
    return this.serve('chat.js', reply);
  }

  @Get('web/chat.css')
  style(@Res() reply: FastifyReply): Promise<void> {
    return this.serve('chat.css', reply);
  }

  private async serve(name: string, reply: FastifyReply): Promise<void> {
    const asset = this.assets.get(name);
    if (!asset) throw new DomainError(ErrorCode.NotFound, 'the web chat page is not installed');
    await reply.headers({ ...SECURITY_HEADERS, 'content-type': asset.contentType }).send(asset.body);
  }
}
