/** Request-body validators for the Web Messaging contract's models (see `bodyValidators` in @switchboard/genesys). */
import { bodyValidators } from '@switchboard/genesys';
import { bodyLimits, definitions } from './generated/schemas.js';

/** Validates `input.body` against a model of spec/webmessaging-platform-api.json. */
export const bodyValidator = bodyValidators(definitions, bodyLimits);
