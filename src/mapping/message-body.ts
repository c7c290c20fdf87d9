// Dixa message attributes -> the GraphQL message body: plain text, HTML, the email
// envelope and attachments. Dixa has one attribute variant per channel (REFERENCE.md §3);
// each is read here, and nowhere else.
import { compile } from 'html-to-text';
import type {
  DixaContent,
  DixaEmailContact,
  DixaFile,
  DixaMessageAttributes,
} from '../datasources/dixa/types.js';
import type { Attachment, Direction, EmailContact, EmailEnvelope } from '../generated/graphql.js';
import { directionFromRest } from './vocabulary.js';

const htmlToPlainText = compile({ wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }] });

// Converting HTML is the costliest thing a read does; cached message objects are shared
// across requests, so the text is computed once per content object.
const textOfHtml = new WeakMap<DixaContent, string>();

/** Attributes as read: every variant's fields optional, so unknown variants degrade gracefully. */
type AnyAttributes = Partial<{
  _type: string;
  content: DixaContent | null;
  emailContent: { _type: string; content?: DixaContent; file?: DixaFile } | null;
  from: DixaEmailContact | string | number | null;
  to: DixaEmailContact[] | string | number;
  cc: DixaEmailContact[];
  bcc: DixaEmailContact[];
  isAutoReply: boolean;
  isAutomated: boolean;
  attachments: DixaFile[];
  direction: string | null;
  formSubmission: { values?: Record<string, unknown> } | null;
  recording: string;
  duration: number | null;
}>;

const EMAIL_LIKE = new Set(['EmailAttributes', 'ContactFormAttributes']);

function attrs(attributes: DixaMessageAttributes): AnyAttributes {
  return attributes as AnyAttributes;
}

/** The content record of a message, wherever its variant keeps it. */
function contentOf(a: AnyAttributes): DixaContent | undefined {
  if (a.emailContent?._type === 'Regular') return a.emailContent.content;
  return a.content ?? undefined;
}

function contentText(content: DixaContent): string {
  if (content._type !== 'Html') return content.value;
  let text = textOfHtml.get(content);
  if (text === undefined) {
    text = htmlToPlainText(content.value).trim();
    textOfHtml.set(content, text);
  }
  return text;
}

function formText(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([label, value]) => `${label}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('\n');
}

export function messageText(attributes: DixaMessageAttributes): string | null {
  const a = attrs(attributes);
  const content = contentOf(a);
  if (content) return contentText(content);
  if (a.formSubmission?.values) return formText(a.formSubmission.values);
  if (a._type === 'PhoneAttributes') {
    const duration = a.duration != null ? `, ${a.duration} s` : '';
    return `Phone call from ${String(a.from)} to ${String(a.to)}${duration}`;
  }
  return null;
}

export function messageHtml(attributes: DixaMessageAttributes): string | null {
  const content = contentOf(attrs(attributes));
  return content?._type === 'Html' ? content.value : null;
}

export function messageDirection(attributes: DixaMessageAttributes): Direction | null {
  return directionFromRest(attrs(attributes).direction);
}

export function messageIsAutomated(attributes: DixaMessageAttributes): boolean {
  const a = attrs(attributes);
  return a.isAutomated === true || a.isAutoReply === true;
}

function toAttachment(file: DixaFile): Attachment {
  return { url: file.url, name: file.prettyName ?? null };
}

/**
 * Files of the message. An email body over Dixa's size limit exists only as a download
 * link, so it leads the list; a call recording is its file.
 */
export function messageAttachments(attributes: DixaMessageAttributes): Attachment[] {
  const a = attrs(attributes);
  const files: Attachment[] = [];
  if (a.emailContent?._type === 'TooLarge' && a.emailContent.file) files.push(toAttachment(a.emailContent.file));
  if (a._type === 'CallRecordingAttributes' && a.recording) files.push({ url: a.recording, name: 'Call recording' });
  for (const file of a.attachments ?? []) files.push(toAttachment(file));
  return files;
}

function toContact(contact: DixaEmailContact): EmailContact {
  return { email: contact.email, name: contact.name ?? null };
}

export function messageEmail(attributes: DixaMessageAttributes): EmailEnvelope | null {
  const a = attrs(attributes);
  if (!a._type || !EMAIL_LIKE.has(a._type)) return null;
  const from = typeof a.from === 'object' && a.from !== null ? toContact(a.from) : null;
  return {
    from,
    to: Array.isArray(a.to) ? a.to.map(toContact) : [],
    cc: (a.cc ?? []).map(toContact),
    bcc: (a.bcc ?? []).map(toContact),
    isAutoReply: a.isAutoReply === true,
  };
}
