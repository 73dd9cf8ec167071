import type { AttributeValue, Attributes } from '@opentelemetry/api';

/**
 * Collects event attributes from caller input that may be wrong (plain JavaScript callers, casts):
 * valid values are set, invalid ones are left out and listed in `issues`. Required ones that are
 * missing are listed too, and left out: the fold flags the event, as it would for any producer.
 *
 * @example
 * const b = new AttributeBuilder();
 * b.string('workbench.gate.id', request.gateId, 'gateId', true);
 * span.addEvent(EVENT_GATE_REQUESTED, b.attributes);
 */
export class AttributeBuilder {
  readonly attributes: Attributes = {};
  readonly issues: string[] = [];

  /** Sets a non-empty string. */
  string(key: string, value: unknown, field: string, required = false): void {
    if (typeof value === 'string' && value !== '') this._set(key, value);
    else this._reject(field, value, 'a non-empty string', required);
  }

  /** Sets a non-negative integer, such as a token count. */
  count(key: string, value: unknown, field: string, required = false): void {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
      this._set(key, value);
    else this._reject(field, value, 'a non-negative integer', required);
  }

  /** Sets a positive integer, such as a version. */
  positive(key: string, value: unknown, field: string, required = false): void {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1)
      this._set(key, value);
    else this._reject(field, value, 'a positive integer', required);
  }

  /** Sets a finite number that is not negative, such as a duration or a cost. */
  amount(key: string, value: unknown, field: string, required = false): void {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) this._set(key, value);
    else this._reject(field, value, 'a finite, non-negative number', required);
  }

  /** Sets a value already checked by the caller. */
  set(key: string, value: AttributeValue): void {
    this._set(key, value);
  }

  private _set(key: string, value: AttributeValue): void {
    this.attributes[key] = value;
  }

  private _reject(field: string, value: unknown, expected: string, required: boolean): void {
    if (value === undefined) {
      if (required) this.issues.push(`${field} is missing`);
      return;
    }
    this.issues.push(`${field} is not ${expected} (${typeof value})`);
  }
}
