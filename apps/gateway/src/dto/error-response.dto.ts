import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code; switch on this, not on the message.' })
  code!: string;

  @ApiProperty({ example: 'query must be shorter than or equal to 2000 characters' })
  message!: string;

  @ApiPropertyOptional({ example: { fields: { query: ['query must be shorter than or equal to 2000 characters'] } } })
  details?: Record<string, unknown>;

  @ApiPropertyOptional({ example: '3f1c…', description: 'Only on 500: quote it to the operator; the log line carries it.' })
  errorId?: string;
}
