// The console's words in English and Korean, and money and dates by Intl in
// the restaurant's currency and time zone. Knows nothing of the page.
// The owners' pages' words are in words.js.

import { en as moreEn, ko as moreKo } from './words.js';

const en = {
  app_name: 'QR Order console',
  sign_in: 'Sign in', email: 'Email', password: 'Password', signing_in: 'Signing in…',
  sign_in_again: 'Your session ended. Sign in again — what you typed is kept.',
  wrong_password: 'Wrong email or password. Check both and try again.',
  too_many: ({ s }) => `Too many sign-in attempts. Wait ${s ? `${Math.ceil(s / 60)} min` : 'a few minutes'} and try again.`,
  too_many_account: ({ s }) => `This account has had too many wrong sign-in attempts. Wait ${s ? `${Math.ceil(s / 60)} min` : 'a few minutes'}, or sign in from a browser that has signed in to it before.`,
  choose_restaurant: 'This email and password open accounts at several restaurants. Choose one:',
  device_no_login: 'Kitchen device tokens cannot sign in here.',
  other_restaurant: 'That account belongs to another restaurant; the console reloads.',
  sign_out: 'Sign out', language: '한국어', lang_label: 'Language',
  nav_orders: 'Orders', nav_menu: 'Menu', nav_tables: 'Tables', nav_label: 'Console pages',
  role_owner: 'Owner', role_staff: 'Staff',
  offline: 'Offline — reconnecting. Orders shown may be out of date.',
  reconnected: 'Back online; orders reloaded.',
  err_network: 'The server could not be reached. Check the connection and try again.',
  err_generic: ({ m }) => `Not done: ${m}`,
  err_forbidden: 'Your account may not do that. Ask the owner.',
  saved: 'Saved.', save: 'Save', cancel: 'Cancel', close: 'Close', delete: 'Delete', create: 'Create',
  add: 'Add', edit: 'Edit', reload: 'Reload', confirm: 'Confirm', keep: 'Keep it', retry: 'Try again',
  // orders
  orders_title: "Today's orders", filter_status: 'Status', filter_table: 'Table', all: 'All',
  open_orders: 'Open (not served)', sound_on: 'Sound on', sound_off: 'Sound off',
  no_orders: 'No orders yet today. They appear here the moment a diner orders — print the table QR codes on the Tables page to get started.',
  no_match: 'No orders match these filters. Choose "All" to see every order of today.',
  st_placed: 'Placed', st_accepted: 'Accepted', st_preparing: 'Preparing', st_ready: 'Ready',
  st_served: 'Served', st_cancelled: 'Cancelled',
  to_accepted: 'Accept', to_preparing: 'Start preparing', to_ready: 'Mark ready', to_served: 'Mark served',
  recall: 'Back to preparing', cancel_order: 'Cancel order',
  cancel_q: ({ n, table }) => `Cancel order #${n} of ${table}?`,
  cancel_explain: 'The diners see it as cancelled and its stock goes back to the menu. This cannot be undone.',
  new_order: ({ n, table }) => `New order #${n} — ${table}`,
  order_label: ({ n, table }) => `Order #${n}, ${table}`,
  illegal: 'Someone else changed this order first; it is shown as it is now.',
  items_n: ({ n }) => `${n} item${n === 1 ? '' : 's'}`, total: 'Total', placed_at: 'Placed',
  // menu
  menu_title: 'Menu', categories: 'Categories', items: 'Items', new_category: 'New category',
  new_item: 'New item', name_en: 'Name (English)', name_ko: 'Name (Korean)',
  desc_en: 'Description (English)', desc_ko: 'Description (Korean)', price: 'Price', category: 'Category',
  allergens: 'Allergens', allergens_other: 'Other allergens (codes, comma-separated)', station: 'Station',
  available: 'On sale', sold_out: 'Sold out', sold_out_now: 'Sold out now', back_on_sale: 'Back on sale',
  stock: 'Stock left', stock_hint: 'Empty = unlimited. Ordering takes from it; at 0 the dish shows sold out.',
  photo: 'Photo', choose_photo: 'Choose a photo…', photo_hint: 'PNG or JPEG. It is saved with the item.',
  no_photo: 'No photo', move_up: 'Move up', move_down: 'Move down', rename: 'Rename',
  delete_category_q: ({ name }) => `Delete the category "${name}"?`,
  category_not_empty: 'Move or delete its items first: only an empty category can be deleted.',
  no_categories: 'The menu is empty. Create a category first (e.g. "Mains"), then add its dishes.',
  no_items: 'No items in this category yet. Press "New item" to add one.',
  option_groups: 'Option groups', add_group: 'Add option group', add_option: 'Add option',
  group_name_en: 'Group (English)', group_name_ko: 'Group (Korean)', min: 'Min', max: 'Max',
  option_en: 'Option (English)', option_ko: 'Option (Korean)', delta: 'Extra price', remove: 'Remove',
  stale: 'Someone else saved this item after you opened it, so your changes were not saved. They are still in the form. Reload the item to see the saved version; what you typed is then listed above it to apply again.',
  reload_item: 'Reload the item', your_edits: 'Your unsaved edits were:',
  item_gone: 'This item was deleted by someone else.',
  delete_item_q: ({ name }) => `Delete "${name}" from the menu?`,
  staff_menu_note: 'Staff can mark dishes sold out or back on sale; the owner edits the menu.',
  left_n: ({ n }) => `${n} left`, unlimited: 'Unlimited',
  // tables
  tables_title: 'Tables', new_table: 'New table', table_name: 'Table name', active: 'In service',
  inactive: 'Out of service', deactivate: 'Take out of service', activate: 'Put in service',
  rotate: 'New QR code', rotate_q: ({ name }) => `Make a new QR code for ${name}?`,
  rotate_warn: 'The printed code of this table stops working at once. Print and put out the new one.',
  rotated: 'New code made. Download and print it.',
  qr_png: 'QR (PNG)', qr_svg: 'QR (SVG)', pdf_sheet: 'Printable sheet (PDF)', open_page: 'Open diner page',
  no_tables: 'No tables yet. Create one for each table, then print the QR sheet.',
  name_taken: 'Another table already has that name.',
  rotated_at: 'Code since',
};

const ko = {
  app_name: 'QR 오더 관리',
  sign_in: '로그인', email: '이메일', password: '비밀번호', signing_in: '로그인 중…',
  sign_in_again: '세션이 끝났습니다. 다시 로그인하세요 — 입력한 내용은 그대로 있습니다.',
  wrong_password: '이메일 또는 비밀번호가 틀렸습니다. 확인 후 다시 시도하세요.',
  too_many: ({ s }) => `로그인 시도가 너무 많습니다. ${s ? `${Math.ceil(s / 60)}분` : '몇 분'} 후에 다시 시도하세요.`,
  too_many_account: ({ s }) => `이 계정에 틀린 로그인 시도가 너무 많았습니다. ${s ? `${Math.ceil(s / 60)}분` : '몇 분'} 기다리거나, 전에 이 계정으로 로그인한 브라우저에서 로그인하세요.`,
  choose_restaurant: '이 이메일과 비밀번호로 여러 식당의 계정이 열립니다. 하나를 고르세요:',
  device_no_login: '주방 기기 토큰으로는 로그인할 수 없습니다.',
  other_restaurant: '다른 식당의 계정입니다. 화면을 새로 불러옵니다.',
  sign_out: '로그아웃', language: 'English', lang_label: '언어',
  nav_orders: '주문', nav_menu: '메뉴', nav_tables: '테이블', nav_label: '관리 화면',
  role_owner: '사장', role_staff: '직원',
  offline: '연결 끊김 — 다시 연결하는 중. 주문 목록이 최신이 아닐 수 있습니다.',
  reconnected: '다시 연결되어 주문을 새로 불러왔습니다.',
  err_network: '서버에 연결할 수 없습니다. 연결을 확인하고 다시 시도하세요.',
  err_generic: ({ m }) => `처리되지 않음: ${m}`,
  err_forbidden: '이 계정으로는 할 수 없는 작업입니다. 사장님께 문의하세요.',
  saved: '저장했습니다.', save: '저장', cancel: '취소', close: '닫기', delete: '삭제', create: '만들기',
  add: '추가', edit: '수정', reload: '새로고침', confirm: '확인', keep: '그대로 두기', retry: '다시 시도',
  orders_title: '오늘의 주문', filter_status: '상태', filter_table: '테이블', all: '전체',
  open_orders: '진행 중 (서빙 전)', sound_on: '알림음 켜짐', sound_off: '알림음 꺼짐',
  no_orders: '오늘은 아직 주문이 없습니다. 손님이 주문하면 바로 여기에 나타납니다 — 테이블 화면에서 QR 코드를 인쇄해 시작하세요.',
  no_match: '조건에 맞는 주문이 없습니다. "전체"를 고르면 오늘의 모든 주문이 보입니다.',
  st_placed: '접수 대기', st_accepted: '접수됨', st_preparing: '조리 중', st_ready: '준비 완료',
  st_served: '서빙 완료', st_cancelled: '취소됨',
  to_accepted: '접수', to_preparing: '조리 시작', to_ready: '준비 완료', to_served: '서빙 완료',
  recall: '다시 조리 중으로', cancel_order: '주문 취소',
  cancel_q: ({ n, table }) => `${table}의 주문 #${n}을 취소할까요?`,
  cancel_explain: '손님 화면에 취소로 표시되고 재고는 메뉴로 돌아갑니다. 되돌릴 수 없습니다.',
  new_order: ({ n, table }) => `새 주문 #${n} — ${table}`,
  order_label: ({ n, table }) => `주문 #${n}, ${table}`,
  illegal: '다른 사람이 먼저 이 주문을 바꿨습니다. 지금 상태로 보여 드립니다.',
  items_n: ({ n }) => `${n}개`, total: '합계', placed_at: '주문 시각',
  menu_title: '메뉴', categories: '분류', items: '메뉴 항목', new_category: '새 분류',
  new_item: '새 메뉴', name_en: '이름 (영어)', name_ko: '이름 (한국어)',
  desc_en: '설명 (영어)', desc_ko: '설명 (한국어)', price: '가격', category: '분류',
  allergens: '알레르기 유발 성분', allergens_other: '기타 성분 (코드, 쉼표로 구분)', station: '조리 구역',
  available: '판매 중', sold_out: '품절', sold_out_now: '지금 품절', back_on_sale: '다시 판매',
  stock: '남은 수량', stock_hint: '비우면 무제한. 주문마다 줄고 0이 되면 품절로 표시됩니다.',
  photo: '사진', choose_photo: '사진 선택…', photo_hint: 'PNG 또는 JPEG. 메뉴와 함께 저장됩니다.',
  no_photo: '사진 없음', move_up: '위로', move_down: '아래로', rename: '이름 바꾸기',
  delete_category_q: ({ name }) => `"${name}" 분류를 삭제할까요?`,
  category_not_empty: '먼저 안의 메뉴를 옮기거나 삭제하세요. 빈 분류만 삭제할 수 있습니다.',
  no_categories: '메뉴가 비어 있습니다. 먼저 분류(예: "식사")를 만들고 메뉴를 추가하세요.',
  no_items: '이 분류에는 아직 메뉴가 없습니다. "새 메뉴"를 눌러 추가하세요.',
  option_groups: '옵션 그룹', add_group: '옵션 그룹 추가', add_option: '옵션 추가',
  group_name_en: '그룹 (영어)', group_name_ko: '그룹 (한국어)', min: '최소', max: '최대',
  option_en: '옵션 (영어)', option_ko: '옵션 (한국어)', delta: '추가 가격', remove: '빼기',
  stale: '이 메뉴를 연 뒤에 다른 사람이 먼저 저장해서 내 수정은 저장되지 않았습니다. 입력한 내용은 그대로 있습니다. 새로 불러오면 저장된 내용이 보이고, 내가 입력한 내용은 위에 목록으로 남아 다시 적용할 수 있습니다.',
  reload_item: '메뉴 새로 불러오기', your_edits: '저장하지 않은 내 수정 내용:',
  item_gone: '다른 사람이 이 메뉴를 삭제했습니다.',
  delete_item_q: ({ name }) => `"${name}"을(를) 메뉴에서 삭제할까요?`,
  staff_menu_note: '직원은 품절과 판매 재개만 할 수 있고 메뉴 수정은 사장님이 합니다.',
  left_n: ({ n }) => `${n}개 남음`, unlimited: '무제한',
  tables_title: '테이블', new_table: '새 테이블', table_name: '테이블 이름', active: '사용 중',
  inactive: '사용 안 함', deactivate: '사용 중지', activate: '다시 사용',
  rotate: '새 QR 코드', rotate_q: ({ name }) => `${name}의 QR 코드를 새로 만들까요?`,
  rotate_warn: '이 테이블에 인쇄된 코드는 바로 쓸 수 없게 됩니다. 새 코드를 인쇄해 놓으세요.',
  rotated: '새 코드를 만들었습니다. 내려받아 인쇄하세요.',
  qr_png: 'QR (PNG)', qr_svg: 'QR (SVG)', pdf_sheet: '인쇄용 시트 (PDF)', open_page: '손님 화면 열기',
  no_tables: '테이블이 없습니다. 테이블마다 하나씩 만들고 QR 시트를 인쇄하세요.',
  name_taken: '같은 이름의 테이블이 이미 있습니다.',
  rotated_at: '코드 생성',
};

export const STRINGS = { en: { ...en, ...moreEn }, ko: { ...ko, ...moreKo } };

export function t(lang, key, vars = {}) {
  const s = (STRINGS[lang] || STRINGS.en)[key] ?? STRINGS.en[key] ?? key;
  if (typeof s === 'function') return s(vars);
  return s;
}

/** A LocalizedText in `lang`, else English, else any. */
export function pick(lang, text) {
  if (!text) return '';
  return text[lang] || text.en || Object.values(text).find(Boolean) || '';
}

const LOCALES = { en: 'en-GB', ko: 'ko-KR' };
const cache = new Map();
function cached(key, make) {
  let f = cache.get(key);
  if (!f) cache.set(key, (f = make()));
  return f;
}

/** Digits of the minor unit, as the server's shared::money knows them. */
export function minorDigits(currency) {
  return ['JPY', 'KRW', 'VND'].includes(currency) ? 0 : 2;
}

export function money(lang, minor, currency) {
  const d = minorDigits(currency);
  return cached(`m/${lang}/${currency}`, () => new Intl.NumberFormat(LOCALES[lang], {
    style: 'currency', currency, minimumFractionDigits: d, maximumFractionDigits: d,
  })).format(minor / 10 ** d);
}

/** "12:04" (or with the date when `withDate`) in the restaurant's zone. */
export function dateTime(lang, ms, timeZone, withDate = false) {
  return cached(`d/${lang}/${timeZone}/${withDate}`, () => new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone, hour: '2-digit', minute: '2-digit', ...(withDate ? { year: 'numeric', month: 'short', day: 'numeric' } : {}),
  })).format(new Date(ms));
}

/** How long: "4 min", "1 hr 5 min" (under a minute: "just now"), by Intl. */
export function elapsed(lang, ms) {
  const total = Math.max(0, Math.floor(ms / 60_000));
  const unit = (u) => cached(`u/${lang}/${u}`, () => new Intl.NumberFormat(LOCALES[lang], { style: 'unit', unit: u, unitDisplay: 'short' }));
  if (total < 1) return t(lang, 'just_now');
  if (total < 60) return unit('minute').format(total);
  const m = total % 60;
  return `${unit('hour').format(Math.floor(total / 60))}${m ? ` ${unit('minute').format(m)}` : ''}`;
}

/** The offset of `timeZone` from UTC at `ms`, in ms. */
function zoneOffset(ms, timeZone) {
  const parts = Object.fromEntries(cached(`z/${timeZone}`, () => new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  })).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const local = Date.UTC(+parts.year, parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return local - Math.floor(ms / 1000) * 1000;
}

/**
 * Start of the business day of `now` in `timeZone`, Unix ms: the day turns
 * at 04:00 local time, as the server numbers orders (orders/rules.rs).
 */
export function businessDayStart(now, timeZone) {
  const local = new Date(now + zoneOffset(now, timeZone));
  let day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), 4);
  if (local.getUTCHours() < 4) day -= 86_400_000;
  // `day` is 04:00 local written as UTC; take the zone's offset at that moment.
  let at = day - zoneOffset(day, timeZone);
  at = day - zoneOffset(at, timeZone);
  return at;
}

/** The business day of `now` in `timeZone` as its local date, `YYYY-MM-DD` (the server's `business_day`). */
export function businessDate(now, timeZone) {
  // 04:00 local of that day, written as a date in the zone.
  return cached(`bd/${timeZone}`, () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }))
    .format(new Date(businessDayStart(now, timeZone)));
}

/** `YYYY-MM-DD` moved by `days` (calendar arithmetic, no zone). */
export function addDays(date, days) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** A `YYYY-MM-DD` date for people, e.g. "1 Dec 2026". */
export function dateLabel(lang, date) {
  const [y, m, d] = date.split('-').map(Number);
  return cached(`dl/${lang}`, () => new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric', weekday: 'short' }))
    .format(new Date(Date.UTC(y, m - 1, d)));
}

/** Allergen codes offered as checkboxes (free text adds others). */
export const ALLERGENS = {
  gluten: ['Gluten', '글루텐'], wheat: ['Wheat', '밀'], egg: ['Egg', '달걀'], milk: ['Milk', '우유'],
  soy: ['Soy', '대두'], sesame: ['Sesame', '참깨'], peanuts: ['Peanuts', '땅콩'],
  tree_nuts: ['Tree nuts', '견과류'], fish: ['Fish', '생선'], shellfish: ['Shellfish', '갑각류·조개류'],
  molluscs: ['Molluscs', '연체류'], celery: ['Celery', '셀러리'], mustard: ['Mustard', '겨자'],
  sulphites: ['Sulphites', '아황산류'], lupin: ['Lupin', '루핀'], buckwheat: ['Buckwheat', '메밀'],
  pork: ['Pork', '돼지고기'], beef: ['Beef', '쇠고기'], chicken: ['Chicken', '닭고기'],
};

export function allergen(lang, code) {
  const a = ALLERGENS[code];
  return a ? a[lang === 'ko' ? 1 : 0] : code.replace(/_/g, ' ');
}
