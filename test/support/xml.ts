/**
 * A strict little XML parser for tests of generated SVG: it throws on anything not well-formed
 * (unbalanced or crossed tags, unquoted or repeated attributes, a raw '<' or a bare '&' in text or
 * attribute values, more than one root) and returns the element tree for assertions.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside this element, entities decoded. */
  text: string;
}

const NAME = /^[A-Za-z_:][\w:.-]*/;
const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

function decode(raw: string, where: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '<') throw new Error(`xml: raw '<' in ${where}`);
    if (c !== '&') {
      out += c;
      continue;
    }
    const m = ENTITY.exec(raw.slice(i));
    if (!m) throw new Error(`xml: bare '&' in ${where}: ${JSON.stringify(raw.slice(i, i + 12))}`);
    const e = m[1]!;
    out += e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    i += m[0].length - 1;
  }
  return out;
}

/** Parses `text` (an optional <?xml ...?> prolog, then one root element). */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skipSpace();
  if (text.startsWith('<?xml', i)) {
    const end = text.indexOf('?>', i);
    if (end < 0) throw new Error('xml: unterminated prolog');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (true) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (stack.length > 0) stack.at(-1)!.text += decode(chunk, `text of <${stack.at(-1)!.name}>`);
    else if (chunk.trim() !== '') throw new Error(`xml: text outside the root: ${JSON.stringify(chunk.slice(0, 20))}`);
    if (lt < 0) break;
    i = lt + 1;
    if (text.startsWith('!--', i)) {
      const end = text.indexOf('-->', i);
      if (end < 0) throw new Error('xml: unterminated comment');
      i = end + 3;
      continue;
    }
    if (text[i] === '/') {
      i++;
      const m = NAME.exec(text.slice(i));
      if (!m) throw new Error(`xml: bad closing tag at ${i}`);
      i += m[0].length;
      skipSpace();
      if (text[i] !== '>') throw new Error(`xml: bad closing tag </${m[0]} at ${i}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new Error(`xml: </${m[0]}> closes <${open?.name ?? 'nothing'}>`);
      if (stack.length === 0) {
        root = open;
        skipSpace();
        if (i < text.length) throw new Error(`xml: content after the root: ${JSON.stringify(text.slice(i, i + 20))}`);
        break;
      }
      continue;
    }
    const m = NAME.exec(text.slice(i));
    if (!m) throw new Error(`xml: bad tag at ${i}: ${JSON.stringify(text.slice(i - 1, i + 10))}`);
    if (root || (stack.length === 0 && i > 0 && root !== undefined)) throw new Error('xml: more than one root');
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    i += m[0].length;
    while (true) {
      const before = i;
      skipSpace();
      if (text.startsWith('/>', i) || text[i] === '>') break;
      if (i === before) throw new Error(`xml: attributes of <${el.name}> must be separated by space at ${i}`);
      const a = NAME.exec(text.slice(i));
      if (!a) throw new Error(`xml: bad attribute in <${el.name}> at ${i}`);
      i += a[0].length;
      if (text[i] !== '=' || (text[i + 1] !== '"' && text[i + 1] !== "'")) throw new Error(`xml: attribute ${a[0]} of <${el.name}> must be name="value"`);
      const q = text[i + 1]!;
      const end = text.indexOf(q, i + 2);
      if (end < 0) throw new Error(`xml: unterminated attribute ${a[0]}`);
      if (a[0] in el.attrs) throw new Error(`xml: attribute ${a[0]} repeated in <${el.name}>`);
      el.attrs[a[0]] = decode(text.slice(i + 2, end), `attribute ${a[0]} of <${el.name}>`);
      i = end + 1;
    }
    if (stack.length > 0) stack.at(-1)!.children.push(el);
    else if (root) throw new Error('xml: more than one root');
    if (text.startsWith('/>', i)) {
      i += 2;
      if (stack.length === 0) {
        root = el;
        skipSpace();
        if (i < text.length) throw new Error('xml: content after the root');
        break;
      }
    } else {
      i++;
      stack.push(el);
    }
  }
  if (stack.length > 0) throw new Error(`xml: <${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error('xml: no root element');
  return root;
}

/** Every element below (and including) `el`, depth first. */
export function allElements(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(allElements)];
}
