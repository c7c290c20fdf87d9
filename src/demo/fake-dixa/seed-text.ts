// Word lists and support-conversation scripts the seed draws from, so subjects and bodies
// read like real help-desk traffic and text search has something to find.

export const firstNames = [
  'Alice', 'Benjamin', 'Chloe', 'Daniel', 'Emma', 'Frederik', 'Grace', 'Hugo', 'Isabella', 'Jonas',
  'Katarina', 'Liam', 'Maja', 'Noah', 'Olivia', 'Pedro', 'Quinn', 'Rasmus', 'Sofia', 'Thomas',
  'Ursula', 'Victor', 'Wei', 'Xenia', 'Yusuf', 'Zoe', 'Amara', 'Bilal', 'Camille', 'Dmitri',
] as const;

export const lastNames = [
  'Brown', 'Andersen', 'Garcia', 'Nielsen', 'Smith', 'Johansson', 'Okafor', 'Rossi', 'Müller', 'Kowalski',
  'Jensen', 'Dubois', 'Tanaka', 'Silva', "O'Brien", 'Hansen', 'Novak', 'Larsen', 'Schmidt', 'Khan',
] as const;

export const emailDomains = ['gmail.com', 'outlook.com', 'proton.me', 'yahoo.co.uk', 'hey.com', 'mail.dk'] as const;

export const phonePrefixes = ['+4520', '+4530', '+4540', '+447700', '+1415', '+4915'] as const;

export const agentNames = [
  ['Sarah', 'Lindqvist'], ['Mikkel', 'Holm'], ['Priya', 'Natarajan'], ['Tom', 'Becker'],
  ['Lea', 'Fischer'], ['Oscar', 'Madsen'], ['Nora', 'Eriksen'], ['James', 'Whitfield'],
  ['Freja', 'Kristensen'], ['Ahmed', 'Haddad'], ['Julia', 'Romano'], ['Kasper', 'Thomsen'],
] as const;

export const queueNames = [
  'General Support', 'Billing & Payments', 'Returns & Refunds', 'VIP Customers', 'Technical Support',
  'Wholesale', 'Shipping & Logistics', 'Social Media',
] as const;

/** [name, color or undefined]. `legacy-import` is deactivated in the seed. */
export const tagSeeds: readonly (readonly [string, string | undefined])[] = [
  ['refund', '#E5484D'],
  ['shipping', '#3E63DD'],
  ['order-issue', '#F76B15'],
  ['password-reset', undefined],
  ['vip', '#FFC53D'],
  ['complaint', '#CE2C31'],
  ['feedback', undefined],
  ['billing', '#30A46C'],
  ['bug', '#8E4EC6'],
  ['legacy-import', undefined],
  ['warranty', undefined],
  ['wholesale', '#12A594'],
];

export const INACTIVE_TAG = 'legacy-import';

/** A support exchange; `{order}`, `{first}` and `{agent}` are filled in per conversation. */
export interface Script {
  subject: string;
  /** The customer's opening message, then alternating agent / customer replies. */
  lines: string[];
  tags: string[];
  /** contact_reason select path. */
  reason: string[];
  hasOrder: boolean;
}

export const scripts: readonly Script[] = [
  {
    subject: 'Where is my order #{order}?',
    lines: [
      "Hi, I ordered a rain jacket a week ago (order #{order}) and the tracking page still says 'label created'. Can you check where my parcel is?",
      'Hi {first}, thanks for reaching out! I checked with the carrier: your parcel left our warehouse yesterday and should arrive within 2-3 business days. Here is the tracking link: https://track.example.com/{order}',
      'Great, thank you so much!',
      'You are welcome. Let us know if the shipping takes longer than expected.',
    ],
    tags: ['shipping'],
    reason: ['shipping', 'delayed'],
    hasOrder: true,
  },
  {
    subject: 'Refund for returned boots, order #{order}',
    lines: [
      'Hello, I returned the hiking boots from order #{order} two weeks ago but I have not received my refund yet.',
      'Hi {first}, sorry for the wait. The return arrived at our warehouse on Monday and the refund of 129.95 EUR was issued today. It can take 3-5 banking days to show on your card.',
      'Ok, I will keep an eye on my bank statement.',
    ],
    tags: ['refund'],
    reason: ['payment', 'refund'],
    hasOrder: true,
  },
  {
    subject: 'Cannot reset my password',
    lines: [
      "I keep clicking 'forgot password' but the reset email never arrives. I have checked my spam folder.",
      'Hi {first}, I have triggered a new password reset link manually. It should arrive within a few minutes from no-reply@acme-outdoor.com.',
      'Got it and it worked, thanks!',
    ],
    tags: ['password-reset'],
    reason: ['account', 'login'],
    hasOrder: false,
  },
  {
    subject: 'Wrong size delivered (order #{order})',
    lines: [
      'I ordered the fleece in size M but received size XL. Order #{order}. How do I exchange it?',
      'Hi {first}, apologies for the mix-up! I have created a free exchange: print the attached return label and we will ship size M as soon as the parcel is scanned.',
      'Thanks, I dropped the parcel off at the post office this morning.',
      'Perfect, the replacement is on its way.',
    ],
    tags: ['order-issue', 'shipping'],
    reason: ['order', 'wrong_item'],
    hasOrder: true,
  },
  {
    subject: 'Charged twice for the same order',
    lines: [
      'My credit card was charged twice for order #{order}. Please refund the duplicate payment.',
      'Hi {first}, I can see the double authorization. One of the two charges was only a reservation and will be released automatically by your bank within 7 days.',
      'I still see both charges as completed, not pending.',
      'Understood, I have escalated this to our billing team and issued a manual refund for the duplicate charge.',
    ],
    tags: ['billing', 'refund'],
    reason: ['payment', 'card'],
    hasOrder: true,
  },
  {
    subject: 'Tent zipper broke after two trips',
    lines: [
      'The main zipper on my Summit 2 tent broke after only two trips. Is this covered by the warranty?',
      'Hi {first}, sorry to hear that! Yes, zippers are covered by our 2-year warranty. Could you send a photo of the damage and your order number?',
      'Sure, photo attached. The order number is #{order}.',
      'Thank you, a replacement tent is on its way and you can keep the old one.',
    ],
    tags: ['warranty', 'complaint'],
    reason: ['product', 'defect'],
    hasOrder: true,
  },
  {
    subject: 'Change delivery address for order #{order}',
    lines: [
      'I just placed order #{order} but entered my old address. Can you change the delivery address before it ships?',
      'Hi {first}, I caught it just in time: the order was not picked yet and the new address is saved.',
    ],
    tags: ['shipping'],
    reason: ['order', 'change'],
    hasOrder: true,
  },
  {
    subject: 'Cancel my subscription',
    lines: [
      'Please cancel my Trail Club membership, I will not be renewing this year.',
      'Hi {first}, your membership has been cancelled and will not renew. You keep the member discount until the end of the current period.',
    ],
    tags: ['billing'],
    reason: ['account', 'cancel'],
    hasOrder: false,
  },
  {
    subject: 'Discount code not working',
    lines: [
      "The discount code SPRING20 from your newsletter says 'invalid' at checkout.",
      'Hi {first}, that code expired on Sunday, but I have applied a 20% discount to your basket manually. You can complete the purchase now.',
      'Brilliant, order placed. Thanks for the quick help!',
    ],
    tags: ['feedback'],
    reason: ['payment', 'discount'],
    hasOrder: false,
  },
  {
    subject: 'Invoice needed for company purchase',
    lines: [
      'Could you send me a VAT invoice for order #{order}? It was bought for our company.',
      'Hi {first}, the invoice with VAT is attached. Let me know if the company details need changing.',
    ],
    tags: ['billing', 'wholesale'],
    reason: ['payment', 'invoice'],
    hasOrder: true,
  },
  {
    subject: 'App crashes when I open my orders',
    lines: [
      'Your iOS app crashes every time I tap on My Orders. iPhone 13, latest app version.',
      'Hi {first}, thanks for the report. This is a known bug and a fix is in the next app update, due this week. Meanwhile you can see your orders on the website.',
      'Thanks, the update fixed it.',
    ],
    tags: ['bug'],
    reason: ['product', 'app'],
    hasOrder: false,
  },
  {
    subject: 'Very disappointed with the delivery',
    lines: [
      'The courier left my parcel in the rain outside the door and the box was soaked. Order #{order}. Not acceptable.',
      'Hi {first}, I am really sorry about that. I have filed a complaint with the courier and added a 15% voucher to your account.',
    ],
    tags: ['complaint', 'shipping'],
    reason: ['shipping', 'damaged'],
    hasOrder: true,
  },
];

export const botGreetings = [
  'Hi there! 👋 I am the Acme assistant. An agent will be with you shortly.',
  'Thanks for contacting Acme Outdoor. Typical reply time: under 5 minutes.',
] as const;

export const autoReplyText =
  'Thank you for contacting Acme Outdoor support. We have received your email and will get back to you within 24 hours.';

export const noteLines = [
  'Customer has contacted us three times about this order, please prioritise.',
  'Checked with the warehouse: parcel was handed to the carrier on time.',
  'Refund approved by the team lead.',
  'Possible fraud: billing and shipping country differ. Verify before refunding.',
  'VIP customer, offer free express shipping on the replacement.',
  'Waiting for the carrier investigation (case CR-2291).',
] as const;

export const browsers = [
  { name: 'Chrome', version: '124.0.6367.91' },
  { name: 'Safari', version: '17.4.1' },
  { name: 'Firefox', version: '125.0.3' },
  { name: 'Edge', version: '124.0.2478.80' },
] as const;
