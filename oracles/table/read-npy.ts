/**
 * NumPy `.npy` files (format versions 1-3): a 1-D or 2-D numeric array, or a
 * 1-D structured array whose fields name the columns. Read in chunks
 * straight into the column arrays.
 */
import type { FileHandle } from 'node:fs/promises';
import { InputError } from '../../src/errors.js';
import type { Table, TableHeader } from './table.js';

const CHUNK_BYTES = 1 << 20;
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

type Reader = (view: DataView, offset: number) => number;

interface Field {
  name: string | null;
  size: number;
  offset: number;
  read: Reader;
}

function readerOf(dtype: string, file: string): { size: number; read: Reader } | null {
  const m = /^([<>|=]?)([fiub])(\d+)$/.exec(dtype);
  if (!m) return null;
  const little = m[1] !== '>';
  const size = Number(m[3]);
  const kind = m[2];
  if (kind === 'f' && size === 8) return { size, read: (v, o) => v.getFloat64(o, little) };
  if (kind === 'f' && size === 4) return { size, read: (v, o) => v.getFloat32(o, little) };
  if (kind === 'i' && size === 1) return { size, read: (v, o) => v.getInt8(o) };
  if (kind === 'u' && size === 1) return { size, read: (v, o) => v.getUint8(o) };
  if (kind === 'b' && size === 1) return { size, read: (v, o) => v.getUint8(o) };
  if (kind === 'i' && size === 2) return { size, read: (v, o) => v.getInt16(o, little) };
  if (kind === 'u' && size === 2) return { size, read: (v, o) => v.getUint16(o, little) };
  if (kind === 'i' && size === 4) return { size, read: (v, o) => v.getInt32(o, little) };
  if (kind === 'u' && size === 4) return { size, read: (v, o) => v.getUint32(o, little) };
  if (kind === 'i' && size === 8) return { size, read: (v, o) => Number(v.getBigInt64(o, little)) };
  if (kind === 'u' && size === 8) return { size, read: (v, o) => Number(v.getBigUint64(o, little)) };
  void file;
  return null;
}

function bad(file: string, where: string, message: string, expected?: string, found?: string): InputError {
  return new InputError([{ file, where, message, expected, found }]);
}

/** Reads a .npy file into columns. */
export async function readNpy(fh: FileHandle, file: string, bytes: number): Promise<Table> {
  if (bytes === 0) throw bad(file, 'whole file', 'empty file: no header and no data rows', 'a NumPy .npy file', 'an empty file');
  const head = Buffer.alloc(12);
  await fh.read(head, 0, 12, 0);
  if (!head.subarray(0, 6).equals(MAGIC)) {
    throw bad(file, 'byte 0', 'missing header: not a NumPy .npy file', 'the magic string \\x93NUMPY', JSON.stringify(head.subarray(0, 6).toString('latin1')));
  }
  const major = head[6];
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = lenBytes === 2 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const dataStart = 8 + lenBytes + headerLen;
  const headerBuf = Buffer.alloc(headerLen);
  await fh.read(headerBuf, 0, headerLen, 8 + lenBytes);
  const dict = headerBuf.toString(major >= 3 ? 'utf8' : 'latin1');

  const descr = /'descr'\s*:\s*('([^']*)'|\[.*\])/s.exec(dict);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict);
  if (!descr || !fortran || !shapeM) throw bad(file, 'header', 'malformed .npy header', "a dict with 'descr', 'fortran_order' and 'shape'", dict.trim());
  const shape = shapeM[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const fortranOrder = fortran[1] === 'True';

  let fields: Field[];
  let itemSize: number;
  if (descr[2] !== undefined) {
    const r = readerOf(descr[2], file);
    if (!r) throw bad(file, 'header', `unsupported dtype ${descr[2]}`, 'a numeric dtype: f8, f4, i1-i8, u1-u8', descr[2]);
    if (shape.length < 1 || shape.length > 2) {
      throw bad(file, 'header', `the array has ${shape.length} dimensions`, 'a 1-D or 2-D array (rows, columns)', `shape (${shape.join(', ')})`);
    }
    const ncols = shape.length === 2 ? shape[1] : 1;
    fields = Array.from({ length: ncols }, (_, j) => ({ name: null, size: r.size, offset: j * r.size, read: r.read }));
    itemSize = r.size * ncols;
  } else {
    fields = [];
    let offset = 0;
    for (const m of descr[1].matchAll(/\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)/g)) {
      const r = readerOf(m[2], file);
      if (!r) throw bad(file, 'header', `unsupported dtype ${m[2]} of field "${m[1]}"`, 'numeric fields: f8, f4, i1-i8, u1-u8', m[2]);
      fields.push({ name: m[1], size: r.size, offset, read: r.read });
      offset += r.size;
    }
    itemSize = offset;
    if (fields.length === 0 || shape.length !== 1) {
      throw bad(file, 'header', 'unsupported structured array', 'a 1-D array of records with numeric fields', `${descr[1]} shape (${shape.join(', ')})`);
    }
  }
  const rows = shape[0];
  const ncols = fields.length;
  if (rows === 0) throw bad(file, 'header', 'no data rows', 'at least one row of numbers', `shape (${shape.join(', ')})`);
  if (bytes < dataStart + rows * itemSize) {
    throw bad(file, 'data', 'the file is shorter than its header says', `${dataStart + rows * itemSize} bytes`, `${bytes} bytes`);
  }
  const columns = fields.map(() => new Float64Array(rows));
  const header: TableHeader | null = fields[0].name === null ? null : { names: fields.map((f) => f.name!), labels: fields.map((f) => f.name!) };
  const total = rows * ncols;
  const elem = fields[0].size;
  // Element k of the data, in file order, is (row, col) = C order: (k / ncols, k % ncols), Fortran: (k % rows, k / rows).
  const buf = Buffer.allocUnsafe(CHUNK_BYTES - (CHUNK_BYTES % itemSize));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (header !== null || !fortranOrder) {
    const recordsPerChunk = buf.length / itemSize;
    for (let row = 0; row < rows; ) {
      const n = Math.min(recordsPerChunk, rows - row);
      await fh.read(buf, 0, n * itemSize, dataStart + row * itemSize);
      for (let r = 0; r < n; r++) {
        const base = r * itemSize;
        for (let j = 0; j < ncols; j++) columns[j][row + r] = fields[j].read(view, base + fields[j].offset);
      }
      row += n;
    }
  } else {
    const per = buf.length / elem;
    const read = fields[0].read;
    for (let k = 0; k < total; ) {
      const n = Math.min(per, total - k);
      await fh.read(buf, 0, n * elem, dataStart + k * elem);
      for (let t = 0; t < n; t++) {
        const idx = k + t;
        columns[Math.floor(idx / rows)][idx % rows] = read(view, t * elem);
      }
      k += n;
    }
  }
  for (let j = 0; j < ncols; j++) {
    const c = columns[j];
    for (let r = 0; r < rows; r++) {
      const v = c[r];
      if (v - v !== 0) {
        const column = `column ${j + 1}${header ? ` (${header.names[j]})` : ''}`;
        throw bad(
          file,
          `row ${r + 1}, ${column}`,
          `non-finite value in ${column} of row ${r + 1}: NaN and infinities are refused`,
          'a finite number',
          String(v),
        );
      }
    }
  }
  return { file, format: 'npy', header, columns, rows };
}
