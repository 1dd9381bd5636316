/**
 * A small symbolic tensor graph whose nodes are ONNX operators. The trainer and the
 * exporter build their models here; graphToOnnx (onnx-model.ts) serialises it to an ONNX ModelProto.
 * Shapes are tracked so that reverse-mode rules can undo broadcasting; -1 marks the
 * dynamic batch dimension.
 */

export type Shape = readonly number[];

export interface Value {
  readonly name: string;
  readonly shape: Shape;
}

export type Attribute = { int: number } | { float: number } | { ints: number[] };

export interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly Value[];
  readonly output: Value;
  readonly attributes: Readonly<Record<string, Attribute>>;
}

export interface Initializer {
  readonly value: Value;
  readonly data: Float32Array | BigInt64Array;
}

export class Graph {
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly constantCache = new Map<string, Value>();
  private readonly usedNames = new Set<string>();
  private counter = 0;

  constructor(readonly name = "graph") {}

  private uniqueName(base: string): string {
    let name = base;
    while (this.usedNames.has(name)) name = `${base}_${++this.counter}`;
    this.usedNames.add(name);
    return name;
  }

  input(name: string, shape: Shape): Value {
    const value = { name: this.uniqueName(name), shape };
    if (value.name !== name) throw new Error(`graph input name "${name}" is already used`);
    this.inputs.push(value);
    return value;
  }

  /** A named float32 or int64 tensor stored in the model. */
  initializer(name: string, data: Float32Array | BigInt64Array, shape: Shape): Value {
    const value = { name: this.uniqueName(name), shape };
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`initializer ${name}: ${data.length} values for shape [${shape}]`);
    this.initializers.set(value.name, { value, data });
    return value;
  }

  /** A float32 constant, shared between all uses of the same values and shape. */
  constant(values: ArrayLike<number>, shape: Shape): Value {
    const key = `f${shape.join("x")}:${Array.from(values).join(",")}`;
    let value = this.constantCache.get(key);
    if (!value) {
      value = this.initializer(`const_${this.constantCache.size}`, Float32Array.from(values), shape);
      this.constantCache.set(key, value);
    }
    return value;
  }

  scalar(v: number): Value {
    return this.constant([v], []);
  }

  int64(values: number[]): Value {
    const key = `i${values.join(",")}`;
    let value = this.constantCache.get(key);
    if (!value) {
      value = this.initializer(`ints_${this.constantCache.size}`, BigInt64Array.from(values.map(BigInt)), [
        values.length,
      ]);
      this.constantCache.set(key, value);
    }
    return value;
  }

  node(
    op: string,
    inputs: Value[],
    shape: Shape,
    attributes: Record<string, Attribute> = {},
    outputName?: string,
  ): Value {
    const output = { name: this.uniqueName(outputName ?? `${op.toLowerCase()}_${this.nodes.length}`), shape };
    this.nodes.push({ name: `node_${this.nodes.length}_${op}`, op, inputs, output, attributes });
    return output;
  }

  /** Exposes a value as a graph output under the given name. */
  output(value: Value, name: string): Value {
    const out = this.node("Identity", [value], value.shape, {}, name);
    if (out.name !== name) throw new Error(`graph output name "${name}" is already used`);
    this.outputs.push(out);
    return out;
  }

  /** Drops nodes and initializers that no output needs (ONNX checkers reject unused initializers). */
  prune(): this {
    const needed = new Set(this.outputs.map((o) => o.name));
    const kept: GraphNode[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (!needed.has(n.output.name)) continue;
      kept.push(n);
      for (const inp of n.inputs) needed.add(inp.name);
    }
    this.nodes.splice(0, this.nodes.length, ...kept.reverse());
    for (const name of [...this.initializers.keys()]) if (!needed.has(name)) this.initializers.delete(name);
    return this;
  }
}

/** Numpy-style broadcast of two shapes (trailing alignment); -1 (dynamic) wins over 1. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (da === -1 || db === -1) out.push(-1);
    else throw new Error(`cannot broadcast [${a}] with [${b}]`);
  }
  return out;
}

export function shapeSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}
