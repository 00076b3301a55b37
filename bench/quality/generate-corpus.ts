/**
 * Writes bench/quality/corpus.json: this project's own labelled retrieval set, generated from the
 * self-written templates and word lists below with a fixed seed (run `node
 * dist/bench/quality/generate-corpus.js` to regenerate it byte for byte). Every sentence comes
 * from this file; nothing is taken from any benchmark or acceptance data. See README.md here.
 *
 * Each answerable memory carries a label tag `q:<id>`; queries name the labels that answer them.
 * Query categories:
 * - identifier: the question names an exact identifier (host, port, error code, ticket, version);
 * - paraphrase: the question asks for a fact in other words than the memory uses;
 * - no_overlap: the question shares no content word with its answer (meaning only);
 * - time_anchored: the question is anchored on a date or month written in the memory;
 * - near_duplicate: several memories differ only in one detail; the question asks for one;
 * - conversation: personal facts told in a chat, asked about later;
 * - ordinary_word: a question by meaning that shares one ordinary word with an unrelated note;
 * - multi_turn: a question whose answer was told over two chat sessions (both count);
 * - negative: nothing in the set answers it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../random.js';

interface Memory {
  content: string;
  tags: string[];
  memory_type: string;
}

interface Query {
  id: string;
  category: string;
  question: string;
  expected_tags: string[];
}

const random = seededRandom(20261125);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

const memories: Memory[] = [];
const queries: Query[] = [];
let label = 0;

function remember(content: string, tags: string[], type: string, answers = true): string {
  const tag = `q:${++label}`;
  memories.push({ content, tags: answers ? [...tags, tag] : tags, memory_type: type });
  return tag;
}

function ask(category: string, question: string, expected: string[]): void {
  queries.push({ id: `${category}-${queries.filter((q) => q.category === category).length + 1}`, category, question, expected_tags: expected });
}

// ---- word lists (self-written) ----
const SERVICES = [
  ['billing-api', 'charges customers and issues invoices'],
  ['auth-gateway', 'checks logins and hands out session tokens'],
  ['search-indexer', 'keeps the product catalogue searchable'],
  ['notify-worker', 'sends e-mails and push notifications'],
  ['media-resizer', 'shrinks uploaded photos into thumbnails'],
  ['ledger-sync', 'copies bookkeeping entries to the accounting system'],
  ['geo-lookup', 'turns street addresses into coordinates'],
  ['report-builder', 'renders the monthly PDF statements'],
  ['cart-service', 'holds what shoppers put in their basket'],
  ['fraud-scorer', 'flags suspicious card payments'],
  ['inventory-feed', 'tracks how many items each warehouse has'],
  ['chat-relay', 'forwards support chat messages to agents'],
  ['export-runner', 'produces the nightly CSV exports for partners'],
  ['audit-trail', 'records who changed which customer record'],
  ['price-engine', 'computes discounts and final prices'],
  ['session-store', 'remembers logged-in users between requests'],
  ['webhook-dispatcher', 'calls partner URLs when orders change'],
  ['translation-cache', 'stores translated interface strings'],
  ['backup-agent', 'copies database snapshots offsite'],
  ['metrics-collector', 'gathers CPU and latency numbers from every machine'],
] as const;
const PEOPLE = [
  'Amara',
  'Bjorn',
  'Chiara',
  'Dmitri',
  'Esther',
  'Farid',
  'Greta',
  'Hiroshi',
  'Ines',
  'Jonas',
  'Kalani',
  'Lucia',
  'Mateo',
  'Nadia',
  'Oskar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tamsin',
  'Umar',
  'Vera',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zofia',
];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const CAUSES = [
  ['an expired TLS certificate', 'renewing the certificate and adding an expiry alert'],
  ['a full disk on the log volume', 'rotating the logs and doubling the volume'],
  ['a connection pool that was too small', 'raising the pool size from 10 to 40'],
  ['a bad feature flag rollout', 'switching the flag off and adding a canary stage'],
  ['a slow query without an index', 'adding a composite index on the orders table'],
  ['a memory leak in the image decoder', 'upgrading the decoder library'],
  ['clock drift on one host', 'enabling NTP on every machine'],
  ['a DNS record pointing at a retired load balancer', 'updating the record and lowering its TTL'],
  ['a retry storm after a network blip', 'adding jittered exponential backoff'],
  ['a misconfigured firewall rule', 'restoring the rule from version control'],
] as const;
const TOOLS = [
  ['Grafana', 'Kibana', 'dashboards', 'it reads from Prometheus directly'],
  ['PostgreSQL', 'MongoDB', 'the order database', 'we need transactions across tables'],
  ['Terraform', 'hand-written shell scripts', 'provisioning cloud resources', 'changes are reviewed as code'],
  ['RabbitMQ', 'Kafka', 'the job queue', 'the message volume is small and routing rules matter'],
  ['Playwright', 'Selenium', 'browser tests', 'it waits for elements on its own'],
  ['Redis', 'Memcached', 'the session cache', 'it can persist to disk'],
  ['GitHub Actions', 'Jenkins', 'continuous integration', 'nobody has to maintain a build server'],
  ['Sentry', 'plain log files', 'error tracking', 'errors are grouped and alerts are built in'],
  ['Caddy', 'nginx', 'the internal reverse proxy', 'it renews certificates automatically'],
  ['SQLite', 'a JSON file', 'the desktop app settings', 'writes are atomic'],
] as const;

// ---- 1. hosts, ports and owners (identifier, paraphrase, near-duplicate) ----
const HOSTS: string[] = [];
SERVICES.forEach(([service, purpose], i) => {
  const host = `${service.split('-')[0]}-prod-${String(i + 1).padStart(2, '0')}.internal`;
  HOSTS.push(host);
  const port = 8000 + i * 7 + int(0, 5);
  const owner = PEOPLE[i % PEOPLE.length]!;
  const hostTag = remember(
    `In production, the ${service} service runs on ${host} and listens on port ${port}; ${owner} is its owner.`,
    ['infra', service],
    'reference',
  );
  ask('identifier', `What runs on ${host}?`, [hostTag]);
  ask('identifier', `Which service listens on port ${port}?`, [hostTag]);
  ask('paraphrase', `Who looks after ${service} in production, and on which machine is it deployed?`, [hostTag]);
  const purposeTag = remember(`The ${service} component ${purpose}.`, ['architecture', service], 'reference');
  ask('no_overlap_candidate', purpose, [purposeTag]);
  // Staging twins: same sentence shape, other host and port.
  remember(
    `The staging copy of ${service} runs on ${host.replace('-prod-', '-staging-')} and listens on port ${port + 1000}; ${PEOPLE[(i + 7) % PEOPLE.length]} maintains it.`,
    ['infra', service, 'staging'],
    'reference',
    false,
  );
});

// ---- 2. incidents (identifier, time-anchored, paraphrase) ----
const ERROR_CODES: string[] = [];
for (let i = 0; i < 60; i++) {
  const [service] = SERVICES[i % SERVICES.length]!;
  const [cause, fix] = CAUSES[i % CAUSES.length]!;
  const month = MONTHS[(i * 5) % 12]!;
  const day = int(1, 28);
  const code = `ERR-${int(1000, 9999)}`;
  ERROR_CODES.push(code);
  const ticket = `INC-${2400 + i}`;
  const person = pick(PEOPLE);
  const tag = remember(
    `Incident ${ticket} on ${month} ${day}: ${service} returned ${code} for about ${int(5, 90)} minutes. The cause was ${cause}; ${person} fixed it by ${fix}.`,
    ['incident', service],
    'incident',
  );
  if (i % 3 === 0) ask('identifier', `What was behind the ${code} errors?`, [tag]);
  if (i % 3 === 1) ask('identifier', `What happened in ${ticket}?`, [tag]);
  if (i % 4 === 0) ask('time_anchored', `What went wrong with ${service} on ${month} ${day}?`, [tag]);
  if (i % 5 === 2) ask('paraphrase', `How did ${person} repair the ${service} outage caused by ${cause.replace(/^an? /, '')}?`, [tag]);
}

// ---- 3. decisions (paraphrase, near-duplicate) ----
TOOLS.forEach(([chosen, rejected, purpose, reason]) => {
  const tag = remember(`Decision: we use ${chosen} rather than ${rejected} for ${purpose}, because ${reason}.`, ['decision'], 'decision');
  ask('paraphrase', `Why was ${rejected} turned down for ${purpose}?`, [tag]);
  ask('paraphrase', `What did the team choose for ${purpose}?`, [tag]);
  remember(`Someone proposed trying ${rejected} for ${purpose} again next year; no decision yet.`, ['proposal'], 'note', false);
});

// ---- 4. schedules that differ in one detail (near-duplicate, time-anchored) ----
const ENVIRONMENTS = ['staging', 'QA', 'demo', 'training', 'load-test', 'sandbox', 'preview', 'integration'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
ENVIRONMENTS.forEach((env, i) => {
  const weekday = WEEKDAYS[i % 7]!;
  const hour = 1 + ((i * 5) % 11);
  const rebuilt = remember(
    `The ${env} database is rebuilt every ${weekday} at ${hour}am from the latest anonymised production dump.`,
    ['ops', env.toLowerCase()],
    'note',
  );
  ask('near_duplicate', `When is the ${env} database reset?`, [rebuilt]);
  const wiped = remember(`The ${env} file storage is wiped every ${WEEKDAYS[(i + 3) % 7]} at ${hour + 1}pm.`, ['ops', env.toLowerCase()], 'note');
  ask('near_duplicate', `On which day does the ${env} file storage get cleared?`, [wiped]);
});
for (let v = 1; v <= 12; v++) {
  const version = `v4.${v}.0`;
  const date = `${MONTHS[(v + 1) % 12]} ${int(1, 28)}`;
  const tag = remember(
    `Release ${version} shipped on ${date} with ${pick(['the new checkout flow', 'faster search', 'dark mode', 'bulk export', 'two-factor login', 'an audit log', 'saved filters', 'offline mode'])}.`,
    ['release'],
    'milestone',
  );
  ask('identifier', `When did ${version} ship?`, [tag]);
}

// ---- 5. meaning-only pairs (no_overlap): self-written memory + question with no shared content word ----
const MEANING_ONLY: [string, string][] = [
  ['The office plants are watered on Tuesdays by the facilities team.', 'Who takes care of the greenery at work?'],
  ['Our oldest laptop finally died; its battery swelled up.', 'Which computer stopped working for good?'],
  ['The coffee machine on floor three is broken until a technician visits.', 'Where can I not get an espresso right now?'],
  ['New joiners get their badge from reception on their first morning.', 'How does a fresh hire obtain an access card?'],
  ['Parking spots are assigned monthly by lottery.', 'How are places for cars handed out?'],
  ['The fire drill is scheduled for the last Friday of the quarter.', 'When do we practise evacuating the building?'],
  ['Expense reports must be filed within thirty days of purchase.', 'What is the deadline for claiming money back?'],
  ['The quarterly offsite will take place in Lisbon.', 'Which city hosts our next team retreat?'],
  ['Interns may not push directly to the main branch.', 'Can trainees commit code without a review?'],
  ['The printer on the second floor jams with thick paper.', 'Why does the copier keep getting stuck?'],
  ['Holiday requests go through the HR portal, not e-mail.', 'How should I ask for vacation days?'],
  ['The shared car is booked through a spreadsheet in the team drive.', 'How do I reserve the company vehicle?'],
  ['Windows in the meeting rooms cannot be opened for safety reasons.', 'Is fresh air possible in the conference spaces?'],
  ['We donate old monitors to a local school every spring.', 'What happens to retired screens?'],
  ['The kitchen fridge is emptied every Friday afternoon.', 'When is leftover food thrown out?'],
  ['Visitors must be escorted at all times in the server room.', 'Can guests walk around the machine hall alone?'],
  ['The CEO hosts an open question session every other Thursday.', 'When can staff quiz the chief executive?'],
  ['Bicycles can be stored in the basement cage.', 'Where do cyclists leave their bikes?'],
  ['The gym membership subsidy covers half of the monthly fee.', 'How much of fitness club costs does the employer pay?'],
  ['Lunch is catered on Wednesdays.', 'Which weekday brings free food?'],
  ['The phone system will be replaced by softphones in autumn.', 'What replaces our desk telephones?'],
  ['Our mascot is a purple octopus named Ink.', 'What animal represents the team?'],
  ['Noise-cancelling headphones are available from the IT desk.', 'Where can I borrow something to block sound?'],
  ['The sprint review happens on the final afternoon of each iteration.', 'When do we demo finished work?'],
  ['Night-shift engineers receive a meal allowance.', 'Do people working late get food money?'],
  ['The elevator is out of order until further notice.', 'Is the lift working?'],
  ['Recycling bins are emptied twice a week.', 'How often is waste collected for reuse?'],
  ['Desks are unassigned; whoever arrives first picks a seat.', 'Do we have fixed workstations?'],
  ['The wifi password changes on the first day of each month.', 'How often is the wireless secret rotated?'],
  ['Birthday cakes are bought from the bakery across the street.', 'Where do celebration desserts come from?'],
  ['The annual bonus depends on company revenue and personal goals.', 'What decides the yearly extra pay?'],
  ['Our legal counsel reviews every partner contract.', 'Who checks agreements with suppliers?'],
  ['The data centre runs on renewable electricity.', 'Is our hosting powered by green energy?'],
  ['Whiteboards are cleaned every evening by the night cleaners.', 'Who wipes the writing boards?'],
  ['The team chat archives messages for two years.', 'How long is conversation history kept?'],
  ['Smoking is only allowed outside the east gate.', 'Where may people light a cigarette?'],
  ['First-aid kits hang next to every staircase.', 'Where are the bandages kept?'],
  ['Pets are welcome in the office on Fridays.', 'Which day can I bring my dog to work?'],
  ['The loading dock closes at six in the evening.', 'Until when can deliveries arrive?'],
  ['Our hackathon winner built a tool that summarises incident reports.', 'What did the best project of the coding contest do?'],
];
for (const [content, question] of MEANING_ONLY) ask('no_overlap', question, [remember(content, ['office'], 'note')]);

// ---- 6. conversation: personal facts told in chats, asked later ----
const PETS = [
  ['dog', 'Biscuit'],
  ['cat', 'Pepper'],
  ['parrot', 'Kiwi'],
  ['rabbit', 'Clover'],
  ['tortoise', 'Atlas'],
  ['hamster', 'Nugget'],
];
const HOBBIES = [
  'pottery',
  'rock climbing',
  'baking sourdough',
  'playing the cello',
  'birdwatching',
  'learning Japanese',
  'trail running',
  'chess',
  'woodworking',
  'salsa dancing',
];
const CITIES = ['Porto', 'Kraków', 'Valencia', 'Tallinn', 'Ljubljana', 'Bergen', 'Bologna', 'Ghent', 'Lyon', 'Galway'];
PEOPLE.forEach((person, i) => {
  const [pet, name] = PETS[i % PETS.length]!;
  const month = MONTHS[(i * 7) % 12]!;
  const petTag = remember(
    `${person}: we adopted a ${pet} called ${name} in ${month}, and it already rules the house.`,
    ['chat', `person:${person.toLowerCase()}`],
    'conversation',
  );
  ask('conversation', `What is the name of ${person}'s ${pet}?`, [petTag]);
  ask('time_anchored', `When did ${person} get a new pet?`, [petTag]);
  const hobby = HOBBIES[i % HOBBIES.length]!;
  const hobbyTag = remember(`${person} said they started ${hobby} last year to relax after work.`, ['chat', `person:${person.toLowerCase()}`], 'conversation');
  ask('conversation', `Which pastime did ${person} pick up to unwind?`, [hobbyTag]);
  const city = CITIES[i % CITIES.length]!;
  const tripTag = remember(
    `${person}: my sister is getting married in ${city} next summer, so I'll be away for a week.`,
    ['chat', `person:${person.toLowerCase()}`],
    'conversation',
  );
  ask('conversation', `Why will ${person} be travelling next summer, and where to?`, [tripTag]);
  // Distractors: small talk by the same person.
  remember(`${person}: the weather was awful this morning, I got soaked on the way in.`, ['chat', `person:${person.toLowerCase()}`], 'conversation', false);
  remember(`${person}: does anyone know if the canteen has vegetarian options today?`, ['chat', `person:${person.toLowerCase()}`], 'conversation', false);
});

// ---- 6b. questions by meaning that share one ordinary word with an unrelated note (ordinary_word) ----
// [answer, distractor, question]: the question shares no content word with its answer and exactly
// one ordinary word with the distractor, so a keyword match on it is weak evidence.
const ORDINARY_WORD: [string, string, string][] = [
  [
    'Payroll is transferred on the twenty-fifth of every month.',
    'The shared account for the design tool is owned by Nadia.',
    'What date does our salary land in the account?',
  ],
  [
    'Customer refunds above 500 euros need a second approver from finance.',
    'The sign-up page got a new colour scheme.',
    'Who has to sign off when we give a large sum back to a buyer?',
  ],
  ['Laptops are refreshed every three years.', 'The new coffee grinder arrived on Monday.', 'How long before staff receive a new notebook computer?'],
  [
    'Customer-facing updates go out every second Tuesday.',
    'Ximena wants to publish her travel photos in the newsletter.',
    'How frequently do we publish a fresh version of the product?',
  ],
  [
    'Meeting rooms can be reserved up to two weeks ahead in the calendar.',
    'The storage space in the basement is full again.',
    'How far in advance can I book a space for a discussion?',
  ],
  [
    'Security patches are installed on servers within 48 hours of release.',
    'Jonas fixes old bicycles as a weekend hobby.',
    'How quickly do machines get fixes for vulnerabilities?',
  ],
  [
    'The on-call rotation hands over every Monday at ten.',
    'Our favourite person at the bakery retired last week.',
    'At what moment does the pager duty move to the next person?',
  ],
  [
    'Passwords must be at least sixteen characters long.',
    'Umar waited in the login queue of a concert ticket site for an hour.',
    'What is the minimum length of a login secret?',
  ],
  [
    'Remote staff get a yearly allowance for a desk and chair.',
    'The home page banner shows the spring sale.',
    'Do people working from home receive money for furniture?',
  ],
  [
    'Production deploys are frozen during the last week of December.',
    'Wen changes her running route every season.',
    'When are we not allowed to ship changes before the year ends?',
  ],
  [
    'Each engineer may spend one day a month on learning.',
    'The training room projector needs a new bulb.',
    'How much time do developers get for training themselves?',
  ],
  [
    'The support hotline is staffed from seven to seven on weekdays.',
    "Zofia's phone screen cracked when she dropped it.",
    'During which hours can customers phone us for help?',
  ],
  [
    'Conference travel must be approved by a director before booking.',
    'The permission dialog in the mobile app was redesigned.',
    'Whose permission do I need to attend an industry event?',
  ],
  [
    'Overtime is compensated with time off, not extra salary.',
    'Lucia bought a mechanical keyboard with loud keys.',
    'How are long evenings at the keyboard rewarded?',
  ],
  [
    'Company credit cards are issued to team leads only.',
    'Esther could not pay for parking because the machine was broken.',
    'Who is allowed to pay with corporate plastic?',
  ],
  [
    'Customer data may only be stored in European data centres.',
    'Farid keeps a record collection of old jazz vinyl.',
    'Where are we permitted to keep client records geographically?',
  ],
  ['Code reviews need two approvals before merging.', "Kalani's request for a standing desk was granted.", 'How many colleagues must accept a pull request?'],
  [
    'The VPN disconnects idle sessions after thirty minutes.',
    'The private parking lot behind the bakery is closing.',
    'Why does the private tunnel drop me when I step away?',
  ],
  ['Invoices from suppliers are paid within forty-five days.', 'Mateo saved money for a new camera.', 'How long do vendors wait for their money?'],
  [
    'All laptops use full-disk encryption enforced by the device manager.',
    'Someone reported the theft of a bicycle from the courtyard.',
    'Are the hard drives of work computers scrambled against theft?',
  ],
  ['Job candidates meet three interviewers on a single afternoon.', "Sven's day started with a flat tyre.", 'How does the hiring day look for applicants?'],
  [
    'Visitors sign in with a QR code at the front desk.',
    'Oskar will arrive late tomorrow because of a dentist appointment.',
    'How do guests register when they arrive?',
  ],
  [
    'The quarterly all-hands is streamed for people abroad.',
    'Rosa likes to watch old films on Sunday.',
    'Can colleagues in other countries watch the big company gathering?',
  ],
  ['Feature flags older than ninety days must be removed.', 'Tamsin forgot to clean her bike chain.', 'When do we clean up stale toggles?'],
  [
    'Team members can work from abroad for up to four weeks a year.',
    "Bjorn's job title changed to principal engineer.",
    'How long may I do my job from a foreign country?',
  ],
  [
    'Mentors are paired with every new engineer for their first quarter.',
    'The hiking guide for the team trip is on the wiki.',
    'Does a newcomer get a guide to show them the ropes?',
  ],
  [
    'Printer toner is ordered by the office manager when it runs low.',
    'Greta painted a small portrait of Ink for the kitchen wall.',
    'Who buys ink for the printing machines?',
  ],
  [
    'Sick leave longer than three days needs a note from a doctor.',
    'The pizza place downstairs is ill-rated but always full.',
    'What paperwork do I need when I am ill for a while?',
  ],
];
for (const [answer, distractor, question] of ORDINARY_WORD) {
  ask('ordinary_word', question, [remember(answer, ['office'], 'note')]);
  remember(distractor, ['chat'], 'note', false);
}

// ---- 6c. facts told over two chat sessions, asked about together (multi_turn) ----
const TWO_SESSIONS: [string, string, string, string][] = [
  [
    'Bjorn',
    "I'm finally renovating the kitchen.",
    'the new cabinets are oak and the builders finish in March.',
    'What is Bjorn having redone at home, and when will it be finished?',
  ],
  [
    'Chiara',
    'my daughter starts school in September.',
    'we picked the bilingual school near the river.',
    "Where is Chiara's child going to study, and from when?",
  ],
  ['Dmitri', 'I sold my car last month.', 'I commute by e-bike now, it takes twenty minutes.', 'How does Dmitri get to work since he stopped driving?'],
  [
    'Esther',
    "I'm learning to sail this year.",
    'passed my skipper exam on the lake yesterday!',
    'Which water sport is Esther taking up, and how far has she got?',
  ],
  ['Farid', "we're expecting twins!", 'the babies are due in early June.', 'What family news did Farid share, and when is it due?'],
  ['Greta', "I'm moving to a flat in the old town.", "the move is on the 14th, I'll need the day off.", 'Where is Greta relocating, and on which date?'],
  ['Hiroshi', "I've started writing a novel.", "chapter six is done; it's a detective story set in Osaka.", 'What kind of book is Hiroshi working on?'],
  ['Ines', 'my knee surgery went well.', 'physio twice a week for two months, and no running until autumn.', 'How is Ines recovering from her operation?'],
  [
    'Jonas',
    'I volunteer at the food bank on Saturdays.',
    'the food bank needs drivers for deliveries, if anyone can help.',
    'What does Jonas do at weekends, and what help is he looking for?',
  ],
  ['Kalani', "I'm running for the city council.", 'the election is on November 3rd.', 'What is Kalani campaigning for, and when is the vote?'],
  [
    'Lucia',
    'we bought an old farmhouse.',
    'the roof of the farmhouse needs replacing before winter.',
    'What property did Lucia buy, and what repair does it need?',
  ],
  [
    'Mateo',
    "I'm taking a sabbatical next year.",
    "I'll spend the sabbatical cycling from Lisbon to Istanbul.",
    'How is Mateo planning to use his time off next year?',
  ],
];
for (const [person, first, second, question] of TWO_SESSIONS) {
  const tags = ['chat', `person:${person.toLowerCase()}`];
  ask('multi_turn', question, [remember(`${person}: ${first}`, tags, 'conversation'), remember(`${person}: ${second}`, tags, 'conversation')]);
}

// ---- 7. filler: plausible notes that answer nothing asked ----
const FILLER_SUBJECTS = [
  'The design review',
  'Our standup',
  'The retro',
  'The roadmap meeting',
  'The vendor call',
  'The security audit',
  'The onboarding session',
  'The architecture forum',
];
const FILLER_PARTS = [
  'ran over time',
  'was moved to the big room',
  'needs a new facilitator',
  'produced three action items',
  'will be recorded from now on',
  'was cancelled because of the holiday',
  'got good feedback',
  'should start with a short demo',
];
for (let i = 0; memories.length < 1000; i++) {
  const [service] = SERVICES[i % SERVICES.length]!;
  remember(`${pick(FILLER_SUBJECTS)} ${pick(FILLER_PARTS)}; ${pick(PEOPLE)} mentioned ${service} briefly (note ${i}).`, ['meeting'], 'note', false);
}

// ---- 8. negatives: nothing answers these ----
for (const question of [
  'What is our policy on cryptocurrency payments?',
  'Which satellite provider do we rent bandwidth from?',
  'How do we train the recommendation neural network?',
  'Who manages the Singapore warehouse robots?',
  'When is the submarine maintenance window?',
  'What is the dress code for the board meeting in Tokyo?',
  'How many tractors does the farming division own?',
  'Which vaccine schedule does the clinic follow?',
]) {
  ask('negative', question, []);
}

// The purpose sentences make meaning-only questions too when reworded by hand below.
const purposeQuestions: Record<string, string> = {
  'billing-api': 'Which part of the system sends customers their bills?',
  'auth-gateway': 'What verifies passwords when people sign in?',
  'media-resizer': 'What makes small previews of pictures people upload?',
  'geo-lookup': 'Which component converts a postal location into latitude and longitude?',
  'fraud-scorer': 'What spots dodgy credit card transactions?',
  'chat-relay': 'How do help-desk conversations reach our staff?',
  'audit-trail': 'What keeps a history of edits to client data?',
  'price-engine': 'Which piece works out reductions on what shoppers pay?',
  'backup-agent': 'What ships copies of our data to another site?',
  'metrics-collector': 'What gathers processor load and response times from servers?',
};
for (const query of queries.filter((q) => q.category === 'no_overlap_candidate')) {
  const service = SERVICES.find(([, purpose]) => purpose === query.question)?.[0];
  const reworded = service === undefined ? undefined : purposeQuestions[service];
  if (reworded === undefined) continue;
  query.category = 'no_overlap';
  query.question = reworded;
}
const finalQueries = queries.filter((q) => q.category !== 'no_overlap_candidate');
finalQueries.forEach((q) => {
  q.id = `${q.category}-${finalQueries.filter((other) => other.category === q.category).indexOf(q) + 1}`;
});

const out = join('bench', 'quality', 'corpus.json');
writeFileSync(out, `${JSON.stringify({ memories, queries: finalQueries }, null, 1)}\n`);
const counts = finalQueries.reduce<Record<string, number>>((acc, q) => ({ ...acc, [q.category]: (acc[q.category] ?? 0) + 1 }), {});
console.log(`${out}: ${memories.length} memories, ${finalQueries.length} queries`, counts);
