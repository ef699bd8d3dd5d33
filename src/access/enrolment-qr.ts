/** QR codes of an `otpauth://` URI for authenticator enrolment, as SVG for the browser and text for the CLI. */
import { encode, renderSVG } from 'uqr';

// Level M survives a smudged screen or a glare; 4 light modules around is the quiet zone of ISO/IEC 18004 §6.3.8.
const QR_OPTIONS = { ecc: 'M', border: 4 } as const;

/** The QR code of `text` as a standalone SVG document, dark modules on white. */
export function qrSvg(text: string): string {
  return renderSVG(text, QR_OPTIONS);
}

/** Dark/light modules of the QR code of `text`, quiet zone included; `true` is dark. */
export function qrModules(text: string): boolean[][] {
  return encode(text, QR_OPTIONS).data;
}

/**
 * The QR code of `text` for a terminal, two module rows per line with Unicode
 * half blocks. Light modules are drawn and dark ones left blank, which reads
 * right on the usual light-on-dark terminal (as `qrencode -t UTF8` does).
 */
export function qrTerminal(text: string): string {
  const modules = qrModules(text);
  const light = (row: number, col: number): boolean => modules[row]?.[col] === false;
  const lines: string[] = [];
  for (let row = 0; row < modules.length; row += 2) {
    let line = '';
    for (let col = 0; col < modules.length; col++) {
      const top = light(row, col);
      const bottom = light(row + 1, col);
      line += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
    }
    lines.push(line);
  }
  return lines.join('\n');
}
