/**
 * Service errors and their wire format (docs/service-facts.md): header `x-amzn-ErrorType`, body
 * `{"Message"}` for Connect (ResourceInUseException adds ResourceType/ResourceId; InvalidRequestException may add Reason)
 * and `{"Code","Message"}` for Chime SDK Voice.
 */
import type { ServiceName } from './model';

export class ServiceError extends Error {
  constructor(
    readonly errorName: string,
    readonly status: number,
    message: string,
    /** Extra body members, e.g. ResourceType/ResourceId. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Chime error name -> body `Code` (ErrorCode enum of the model). */
const CHIME_CODES: Record<string, string> = {
  BadRequestException: 'BadRequest',
  ConflictException: 'Conflict',
  ForbiddenException: 'Forbidden',
  NotFoundException: 'NotFound',
  ResourceLimitExceededException: 'ResourceLimitExceeded',
  ServiceFailureException: 'ServiceFailure',
  AccessDeniedException: 'AccessDenied',
  ServiceUnavailableException: 'ServiceUnavailable',
  ThrottledClientException: 'Throttled',
  UnauthorizedClientException: 'Unauthorized',
  UnprocessableEntityException: 'Unprocessable',
  GoneException: 'Gone',
};

export function chimeCode(errorName: string): string {
  return CHIME_CODES[errorName] ?? errorName.replace(/Exception$/, '');
}

export function errorBody(service: ServiceName, err: ServiceError): Record<string, unknown> {
  if (service === 'chime') return { Code: chimeCode(err.errorName), Message: err.message, ...err.extra };
  return { Message: err.message, ...err.extra };
}

// ---- Convenience constructors -------------------------------------------------------------------

export const connectErrors = {
  invalidParameter: (message: string) => new ServiceError('InvalidParameterException', 400, message),
  invalidRequest: (message: string) => new ServiceError('InvalidRequestException', 400, message),
  notFound: (message: string) => new ServiceError('ResourceNotFoundException', 404, message),
  resourceInUse: (message: string, resourceId: string) =>
    new ServiceError('ResourceInUseException', 409, message, { ResourceType: 'PHONE_NUMBER', ResourceId: resourceId }),
  idempotency: (message: string) => new ServiceError('IdempotencyException', 409, message),
  throttling: () => new ServiceError('ThrottlingException', 429, 'Rate exceeded'),
  accessDenied: (message: string) => new ServiceError('AccessDeniedException', 403, message),
};

export const chimeErrors = {
  badRequest: (message: string) => new ServiceError('BadRequestException', 400, message),
  notFound: (message: string) => new ServiceError('NotFoundException', 404, message),
  throttled: () => new ServiceError('ThrottledClientException', 429, 'Rate exceeded'),
  forbidden: (message: string) => new ServiceError('ForbiddenException', 403, message),
};

export function validationError(service: ServiceName, message: string): ServiceError {
  return service === 'chime' ? chimeErrors.badRequest(message) : connectErrors.invalidParameter(message);
}

export function unknownOperation(method: string, path: string): ServiceError {
  return new ServiceError('UnknownOperationException', 404, `No operation matches ${method} ${path}`);
}
