/** Python/C `strftime` (C locale) on a JS Date in local time, for Hydra's `${now:...}` resolver. */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function pad(n: number, width: number, fill = '0'): string {
  return String(n).padStart(width, fill);
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  const today = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  return Math.round((today.getTime() - start.getTime()) / 86_400_000) + 1;
}

/** Week of the year with weeks starting on `firstDay` (0 = Sunday for %U, 1 = Monday for %W). */
function weekNumber(d: Date, firstDay: number): number {
  const yday = dayOfYear(d) - 1;
  const wday = (d.getDay() - firstDay + 7) % 7;
  return Math.floor((yday + 7 - wday) / 7);
}

/** ISO 8601 week-based year and week number (%G, %V). */
function isoWeek(d: Date): [number, number] {
  const date = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(date.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((date.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
  return [date.getUTCFullYear(), week];
}

function tzOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}${pad(abs % 60, 2)}`;
}

export function strftime(d: Date, pattern: string): string {
  const hour12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
  const directive = (c: string): string | undefined => {
    switch (c) {
      case 'a': return DAYS[d.getDay()].slice(0, 3);
      case 'A': return DAYS[d.getDay()];
      case 'w': return String(d.getDay());
      case 'u': return String(d.getDay() || 7);
      case 'd': return pad(d.getDate(), 2);
      case 'e': return pad(d.getDate(), 2, ' ');
      case 'b':
      case 'h': return MONTHS[d.getMonth()].slice(0, 3);
      case 'B': return MONTHS[d.getMonth()];
      case 'm': return pad(d.getMonth() + 1, 2);
      case 'y': return pad(d.getFullYear() % 100, 2);
      case 'Y': return String(d.getFullYear());
      case 'C': return pad(Math.floor(d.getFullYear() / 100), 2);
      case 'H': return pad(d.getHours(), 2);
      case 'k': return pad(d.getHours(), 2, ' ');
      case 'I': return pad(hour12, 2);
      case 'l': return pad(hour12, 2, ' ');
      case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
      case 'P': return d.getHours() < 12 ? 'am' : 'pm';
      case 'M': return pad(d.getMinutes(), 2);
      case 'S': return pad(d.getSeconds(), 2);
      case 'f': return pad(d.getMilliseconds() * 1000, 6);
      case 'z': return tzOffset(d);
      case 'Z': return '';
      case 'j': return pad(dayOfYear(d), 3);
      case 'U': return pad(weekNumber(d, 0), 2);
      case 'W': return pad(weekNumber(d, 1), 2);
      case 'G': return String(isoWeek(d)[0]);
      case 'V': return pad(isoWeek(d)[1], 2);
      case 's': return String(Math.floor(d.getTime() / 1000));
      case 'D': return strftime(d, '%m/%d/%y');
      case 'F': return strftime(d, '%Y-%m-%d');
      case 'T': return strftime(d, '%H:%M:%S');
      case 'R': return strftime(d, '%H:%M');
      case 'r': return strftime(d, '%I:%M:%S %p');
      case 'c': return strftime(d, '%a %b %e %H:%M:%S %Y');
      case 'x': return strftime(d, '%m/%d/%y');
      case 'X': return strftime(d, '%H:%M:%S');
      case 'n': return '\n';
      case 't': return '\t';
      case '%': return '%';
      default: return undefined;
    }
  };
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch !== '%' || i + 1 >= pattern.length) {
      out += ch;
      continue;
    }
    const value = directive(pattern[i + 1]);
    out += value ?? `%${pattern[i + 1]}`;
    i++;
  }
  return out;
}
