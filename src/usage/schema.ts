// The paths a reader follows in a JSON document, and where the values it finds are kept. Everything
// off these paths is only tokenized, never captured, so `usage` nested anywhere else (inside content
// text, inside `choices[0].message`) is not picked up.

/** A nested object whose fields are followed. */
export const KIND_OBJECT = 0;
/** A token count: a non-negative safe integer. */
export const KIND_COUNT = 1;
/** A model name: a printable string of at most MAX_MODEL_CHARS characters. */
export const KIND_MODEL = 2;
/** A string compared with a fixed list (an event `type`). */
export const KIND_ENUM = 3;

/** Nothing seen at this path (the state of every slot when a document starts). */
export const SLOT_ABSENT = 0;
/** A value of the expected type: a count, a model, an enum member, or an object that has closed. */
export const SLOT_VALUE = 1;
/** A value of the wrong type or out of range at a strict path: the usage is `malformed`. */
export const SLOT_INVALID = 2;
/** `null`, which the providers send for "not reported". */
export const SLOT_NULL = 3;
/** An object that has opened and not yet closed. */
export const SLOT_OPEN = 4;
/** A value of the wrong type at a lenient path (a non-string model, an unknown event type): ignored. */
export const SLOT_OTHER = 5;

export interface FieldSpec {
  readonly key: string;
  readonly kind: typeof KIND_OBJECT | typeof KIND_COUNT | typeof KIND_MODEL | typeof KIND_ENUM;
  /** A wrong type here makes the usage `malformed` rather than being ignored (default: counts only). */
  readonly strict?: boolean;
  readonly fields?: readonly FieldSpec[];
  /** KIND_ENUM: the accepted values; a slot holds the index of the one seen. */
  readonly values?: readonly string[];
  /**
   * KIND_ENUM: a value outside the list means the document carries nothing wanted, and the scanner
   * stops reading it there (an event `type` that comes first saves reading the event's content).
   */
  readonly decisive?: boolean;
}

export class SchemaNode {
  readonly keys: readonly Uint8Array[];
  readonly names: readonly string[];
  /** Bit n set when a field's name has n characters: most keys are told apart by length alone. */
  readonly lengths: number;
  constructor(readonly fields: readonly CompiledField[]) {
    this.keys = fields.map((f) => Buffer.from(f.key, 'latin1'));
    this.names = fields.map((f) => f.key);
    let lengths = 0;
    for (const f of fields) {
      if (f.key.length > 31) throw new Error(`field name too long: ${f.key}`);
      lengths |= 1 << f.key.length;
    }
    this.lengths = lengths;
  }
}

export class CompiledField {
  /** KIND_ENUM: the values as bytes, for comparison with the JSON text without decoding it. */
  readonly valueBytes: readonly Uint8Array[];
  constructor(
    readonly key: string,
    readonly kind: number,
    readonly strict: boolean,
    /** Where this field's value is kept; -1 for the document's root. */
    readonly slot: number,
    /** KIND_OBJECT: its fields. */
    readonly node: SchemaNode | null,
    /** The slots of this object's descendants, `[slot + 1, subtreeEnd)`: cleared when it is set again. */
    readonly subtreeEnd: number,
    readonly values: readonly string[],
    readonly decisive: boolean,
  ) {
    this.valueBytes = values.map((v) => Buffer.from(v, 'latin1'));
  }
}

export interface Schema {
  /** The pseudo-field for the root value: an object whose fields are the top-level specs. */
  readonly root: CompiledField;
  readonly slotCount: number;
  /** How many objects deep the followed paths go, the root included. */
  readonly depth: number;
  /** `slotCount` zeros. */
  readonly zeros: readonly number[];
  /** The slot of each path, by its dotted name (`usage.prompt_tokens_details.cached_tokens`). */
  readonly slots: Readonly<Record<string, number>>;
}

export function compileSchema(fields: readonly FieldSpec[]): Schema {
  const slots: Record<string, number> = {};
  let next = 0;
  const compileFields = (specs: readonly FieldSpec[], prefix: string): SchemaNode =>
    new SchemaNode(
      specs.map((spec) => {
        const path = prefix + spec.key;
        const slot = next++;
        slots[path] = slot;
        const node = spec.kind === KIND_OBJECT ? compileFields(spec.fields ?? [], `${path}.`) : null;
        const strict = spec.strict ?? spec.kind === KIND_COUNT;
        return new CompiledField(
          spec.key,
          spec.kind,
          strict,
          slot,
          node,
          next,
          spec.values ?? [],
          spec.decisive === true,
        );
      }),
    );
  const node = compileFields(fields, '');
  const root = new CompiledField('', KIND_OBJECT, false, -1, node, next, [], false);
  const zeros: number[] = [];
  for (let s = 0; s < next; s++) zeros.push(0);
  return { root, slotCount: next, depth: depthOf(root), zeros, slots };
}

function depthOf(field: CompiledField): number {
  let deepest = 0;
  for (const child of field.node?.fields ?? []) deepest = Math.max(deepest, depthOf(child));
  return field.node === null ? 0 : deepest + 1;
}

/** The values found in one document, by slot. */
// Plain arrays: a reader is made per response, and typed arrays cost more to create than to read.
export class Slots {
  readonly states: number[];
  /** KIND_COUNT: the count; KIND_ENUM: the index of the value. */
  readonly numbers: number[];
  /** KIND_MODEL: the model, when its state is SLOT_VALUE. */
  readonly strings: (string | undefined)[];

  constructor(readonly schema: Schema) {
    // Copying a packed array of small integers is the cheapest way to make one.
    this.states = schema.zeros.slice();
    this.numbers = schema.zeros.slice();
    this.strings = new Array<string | undefined>(schema.slotCount).fill(undefined);
  }

  reset(): void {
    // A handful of slots, once per event: a loop costs less than fill's call.
    const states = this.states;
    for (let s = 0; s < states.length; s++) states[s] = SLOT_ABSENT;
  }

  /** The count in `slot` when it holds one. */
  count(slot: number): number | undefined {
    return this.states[slot] === SLOT_VALUE ? this.numbers[slot] : undefined;
  }

  /** The model in `slot` when it holds a well-formed one. */
  model(slot: number): string | undefined {
    return this.states[slot] === SLOT_VALUE ? this.strings[slot] : undefined;
  }

  /** The index of the enum value in `slot`, or -1. */
  enumIndex(slot: number): number {
    return this.states[slot] === SLOT_VALUE ? this.numbers[slot]! : -1;
  }
}

/** The slot of a path the schema is known to have (a mistyped path fails when the module loads). */
export function slotOf(schema: Schema, path: string): number {
  const slot = schema.slots[path];
  if (slot === undefined) throw new Error(`no slot for ${path}`);
  return slot;
}
