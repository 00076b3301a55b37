import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiResponse, ApiSecurity } from '@nestjs/swagger';

export class FieldErrorResponse {
  @ApiProperty({ example: 'content' })
  field!: string;

  @ApiProperty({ example: 'content must be a string' })
  message!: string;
}

export class ErrorResponse {
  @ApiProperty({ example: 'Invalid request: content: content must be a string' })
  detail!: string;

  @ApiProperty({ type: [FieldErrorResponse], required: false })
  errors?: FieldErrorResponse[];
}

/** Documents a controller's key requirement and the error answers every authenticated route can give. */
export const ApiAuthenticated = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    ApiBearerAuth(),
    ApiSecurity('api-key-header'),
    ApiSecurity('api-key-query'),
    ApiResponse({ status: 400, description: 'Invalid input; errors names each field', type: ErrorResponse }),
    ApiResponse({ status: 401, description: 'Missing API key', type: ErrorResponse }),
    ApiResponse({ status: 403, description: 'Invalid API key', type: ErrorResponse }),
    ApiResponse({ status: 404, description: 'Not found', type: ErrorResponse }),
    ApiResponse({ status: 503, description: 'Storage or model temporarily unavailable', type: ErrorResponse }),
  );
