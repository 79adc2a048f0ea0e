// The page's words in English and Korean, menu text by language, and money
// formatted for the locale.

const en = {
  loading: 'Loading the menu…',
  people: (v) => (v.n === 1 ? '1 person at the table' : `${v.n} people at the table`),
  orders: 'Orders',
  orders_active: (v) => `Orders, ${v.n} in progress`,
  categories: 'Menu categories',
  add: 'Add',
  add_named: 'Add {name}',
  choose: 'Choose',
  choose_named: 'Choose options for {name}',
  sold_out: 'Sold out',
  left: 'Only {n} left',
  in_cart: '{n} in cart',
  added: 'Added {name} — {n} in the cart',
  contains: 'Contains',
  view_cart: 'View cart',
  items: (v) => (v.n === 1 ? '1 item' : `${v.n} items`),
  cart_title: 'Table cart',
  cart_empty: 'The cart is empty. Add dishes from the menu — everyone at this table sees and shares the same cart.',
  at_table: 'At this table',
  you: 'you',
  change_name: 'Change your name',
  added_by: 'Added by {name}',
  added_by_you: 'Added by you',
  qty_of: 'Quantity of {name}',
  less: 'One less {name}',
  more: 'One more {name}',
  remove: 'Remove {name}',
  note: 'Note',
  add_note: 'Add a note',
  edit_note: 'Edit note',
  note_for: 'Note for {name}',
  note_placeholder: 'e.g. no onions, please',
  save: 'Save',
  cancel: 'Cancel',
  back: 'Back to the menu',
  back_to_cart: 'Back to cart',
  close: 'Close',
  total: 'Total',
  review: 'Review order',
  review_title: 'Review your order',
  review_hint: 'This orders everything in the table cart, for everyone at the table.',
  place_order: 'Place order · {total}',
  placing: 'Sending your order…',
  gps_title: 'Location check',
  gps_explain: 'To make sure orders come from inside the restaurant, it checks where your phone is. Your browser will ask for your location once; it is used for this check only.',
  gps_place: 'Share location and order · {total}',
  locating: 'Finding your location…',
  placed_toast: 'Order #{n} is in — the kitchen has it.',
  placed_other: 'Order #{n} was placed for the table.',
  orders_title: 'Orders at this table',
  orders_empty: 'No orders yet. What you order appears here, and you can follow it until it is served.',
  table_total: 'Table total so far',
  bill_title: 'The bill', bill_paid: 'Paid', bill_due: 'Still to pay', bill_mine: 'Your share',
  bill_tax_incl: ({ rate }) => `Tax ${rate} % (included)`, bill_tax_added: ({ rate }) => `Tax ${rate} %`,
  bill_mine_hint: ({ tax }) => `What you added to the cart, with ${tax} of the tax. Staff take payments at the table.`,
  bill_mine_paid: 'Your share is paid. Thank you!',
  bill_mine_none: 'Nothing on the bill was added from this phone.',
  order_n: 'Order #{n}',
  order_items: (v) => (v.n === 1 ? '1 item' : `${v.n} items`),
  status_placed: 'Sent to the kitchen',
  status_accepted: 'Accepted',
  status_preparing: 'Preparing',
  status_ready: 'Ready',
  status_served: 'Served',
  status_cancelled: 'Cancelled',
  status_toast: 'Order #{n}: {status}',
  step_placed: 'Sent',
  step_accepted: 'Accepted',
  step_preparing: 'Preparing',
  step_ready: 'Ready',
  step_served: 'Served',
  has_problems: 'Some dishes in the cart cannot be ordered as they are.',
  remove_problems: 'Remove them from the cart',
  progress: 'Progress of order #{n}',
  conn_connecting: 'Connecting to your table…',
  conn_reconnecting: 'Reconnecting… Your changes are kept and shared when the connection is back.',
  conn_table_gone: 'This table’s QR code has changed. Please scan the code on your table again, or ask the staff.',
  err_network: 'Couldn’t reach the restaurant. Check your connection and try again.',
  err_not_on_network: 'You are not on the restaurant’s Wi-Fi. Connect your phone to the restaurant’s Wi-Fi and try again.',
  err_too_far: 'You seem to be outside the restaurant. Orders can only be placed from your table.',
  err_location_required: 'The restaurant needs your location to accept the order. Share it and try again.',
  err_location_inaccurate: 'Your location is not precise enough. Turn on precise location (GPS) and try again.',
  err_location_denied: 'Location access was denied, so the restaurant cannot check where the order comes from. Allow location for this page in your browser settings, or ask the staff.',
  err_location_unavailable: 'Your phone could not find its location. Try again, or ask the staff.',
  err_location_insecure: 'This page was not opened over a secure (https) connection, so the browser will not share your location. Please ask the staff.',
  err_menu_changed: 'Some dishes changed since the menu was loaded: {list}. Check the cart and order again.',
  reason_removed: '{name} is no longer on the menu',
  reason_unavailable: '{name} is not available right now',
  reason_changed: '{name} changed (price or options)',
  err_sold_out: 'Sold out: {list}. Remove it from the cart to order the rest.',
  sold_out_left: '{name} (only {n} left)',
  err_cart_changed: 'Someone at the table changed the cart while you were ordering. Check it and order again.',
  err_visit_closed: 'This table’s bill has been closed. Scan the QR code on your table again to order.',
  err_invalid: 'The order could not be accepted: {message}',
  err_busy: 'The restaurant is very busy right now. Please try again in a moment.',
  err_generic: 'Something went wrong ({code}). Please try again, or ask the staff.',
  err_cart_op: 'That change could not be made: {message}',
  add_unavailable: '{name} could not be added: it is sold out or not available right now.',
  bad_table: 'This QR code is no longer valid. Please ask the staff for a new one.',
  line_sold_out: 'Sold out — remove it to order',
  line_unavailable: 'Not available right now',
  line_changed: 'Changed since you added it',
  line_removed: 'No longer on the menu',
  price_changed: '{name} now costs {price}.',
  now_sold_out: '{name} just sold out.',
  required: 'Required',
  optional: 'Optional',
  pick_n: (v) => (v.min === v.max ? `Choose ${v.max}` : `Choose up to ${v.max}`),
  quantity: 'Quantity',
  add_to_cart: 'Add to cart · {price}',
  nickname_title: 'Your name at this table',
  nickname_help: 'The others at the table see it next to what you add.',
  nickname_label: 'Name',
  retry: 'Try again',
  reload: 'Reload',
  service: 'Service',
  service_pending: (v) => (v.n === 1 ? 'Service, 1 request open' : `Service, ${v.n} requests open`),
  service_title: 'Ask the staff',
  service_hint: 'Staff see your request at once. You can keep ordering meanwhile.',
  service_call_staff: 'Call staff',
  service_water: 'Water',
  service_bill: 'Bill',
  service_none: 'Tap to ask',
  service_sending: 'Asking…',
  service_state_open: 'Asked — staff will come shortly',
  service_state_acked: 'Staff is on the way',
  service_state_done: 'Done',
  service_already: '{what}: already asked — staff will come.',
  service_acked_toast: '{what}: staff is on the way.',
  err_service_off: 'The restaurant does not take this request from the table right now. Please ask the staff.',
  err_service_often: 'Your table has asked many times. Staff know — please wait a moment.',
};

const ko = {
  loading: '메뉴를 불러오는 중…',
  people: '테이블에 {n}명',
  orders: '주문 내역',
  orders_active: '주문 내역, {n}건 진행 중',
  categories: '메뉴 분류',
  add: '담기',
  add_named: '{name} 담기',
  choose: '선택',
  choose_named: '{name} 옵션 선택',
  sold_out: '품절',
  left: '{n}개 남음',
  in_cart: '{n}개 담김',
  added: '{name} 담았어요 · 장바구니 {n}개',
  contains: '알레르기 성분',
  view_cart: '장바구니 보기',
  items: '{n}개',
  cart_title: '테이블 장바구니',
  cart_empty: '장바구니가 비어 있어요. 메뉴에서 담으면 이 테이블의 모두가 같은 장바구니를 함께 봐요.',
  at_table: '이 테이블에 있는 사람',
  you: '나',
  change_name: '내 이름 바꾸기',
  added_by: '{name} 님이 담음',
  added_by_you: '내가 담음',
  qty_of: '{name} 수량',
  less: '{name} 하나 빼기',
  more: '{name} 하나 더',
  remove: '{name} 삭제',
  note: '요청 사항',
  add_note: '요청 사항 추가',
  edit_note: '요청 사항 수정',
  note_for: '{name} 요청 사항',
  note_placeholder: '예: 양파는 빼 주세요',
  save: '저장',
  cancel: '취소',
  back: '메뉴로 돌아가기',
  back_to_cart: '장바구니로',
  close: '닫기',
  total: '합계',
  review: '주문 확인하기',
  review_title: '주문 확인',
  review_hint: '테이블 장바구니에 담긴 모든 메뉴를 테이블 전체의 주문으로 보내요.',
  place_order: '{total} 주문하기',
  placing: '주문을 보내는 중…',
  gps_title: '위치 확인',
  gps_explain: '주문이 매장 안에서 들어온 것인지 확인하려고 휴대폰의 위치를 확인해요. 브라우저가 위치 권한을 한 번 물어보며, 위치는 이 확인에만 사용돼요.',
  gps_place: '위치 공유하고 {total} 주문하기',
  locating: '위치를 확인하는 중…',
  placed_toast: '{n}번 주문이 주방에 접수됐어요.',
  placed_other: '테이블의 {n}번 주문이 접수됐어요.',
  orders_title: '이 테이블의 주문',
  orders_empty: '아직 주문이 없어요. 주문하면 여기에서 서빙될 때까지 진행 상황을 볼 수 있어요.',
  table_total: '지금까지 테이블 합계',
  bill_title: '계산서', bill_paid: '결제됨', bill_due: '남은 금액', bill_mine: '내 몫',
  bill_tax_incl: ({ rate }) => `세금 ${rate}% (포함)`, bill_tax_added: ({ rate }) => `세금 ${rate}%`,
  bill_mine_hint: ({ tax }) => `내가 장바구니에 담은 것, 세금 ${tax} 포함. 결제는 직원이 테이블에서 받아요.`,
  bill_mine_paid: '내 몫은 결제되었어요. 감사합니다!',
  bill_mine_none: '이 휴대폰에서 담은 주문이 계산서에 없어요.',
  order_n: '주문 {n}번',
  order_items: '{n}개',
  status_placed: '주방에 전달됨',
  status_accepted: '주문 확인',
  status_preparing: '조리 중',
  status_ready: '준비 완료',
  status_served: '서빙 완료',
  status_cancelled: '취소됨',
  status_toast: '주문 {n}번: {status}',
  step_placed: '접수',
  step_accepted: '확인',
  step_preparing: '조리 중',
  step_ready: '준비 완료',
  step_served: '서빙 완료',
  has_problems: '장바구니에 지금 주문할 수 없는 메뉴가 있어요.',
  remove_problems: '장바구니에서 빼기',
  progress: '주문 {n}번 진행 상황',
  conn_connecting: '테이블에 연결하는 중…',
  conn_reconnecting: '다시 연결하는 중… 변경 사항은 연결되면 바로 공유돼요.',
  conn_table_gone: '이 테이블의 QR 코드가 바뀌었어요. 테이블의 코드를 다시 스캔하거나 직원에게 문의해 주세요.',
  err_network: '매장 서버에 연결할 수 없어요. 인터넷 연결을 확인하고 다시 시도해 주세요.',
  err_not_on_network: '매장 Wi-Fi에 연결되어 있지 않아요. 휴대폰을 매장 Wi-Fi에 연결한 뒤 다시 시도해 주세요.',
  err_too_far: '매장 밖에 계신 것 같아요. 주문은 매장 안 테이블에서만 할 수 있어요.',
  err_location_required: '주문을 받으려면 매장에서 위치 확인이 필요해요. 위치를 공유하고 다시 시도해 주세요.',
  err_location_inaccurate: '위치가 정확하지 않아요. 정확한 위치(GPS)를 켜고 다시 시도해 주세요.',
  err_location_denied: '위치 권한이 거부되어 주문 위치를 확인할 수 없어요. 브라우저 설정에서 이 페이지의 위치 권한을 허용하거나 직원에게 문의해 주세요.',
  err_location_unavailable: '휴대폰이 위치를 찾지 못했어요. 다시 시도하거나 직원에게 문의해 주세요.',
  err_location_insecure: '보안 연결(https)로 열린 페이지가 아니어서 브라우저가 위치를 공유하지 않아요. 직원에게 문의해 주세요.',
  err_menu_changed: '메뉴를 불러온 뒤 바뀐 메뉴가 있어요: {list}. 장바구니를 확인하고 다시 주문해 주세요.',
  reason_removed: '{name}: 메뉴에서 빠짐',
  reason_unavailable: '{name}: 지금은 주문 불가',
  reason_changed: '{name}: 가격 또는 옵션 변경',
  err_sold_out: '품절: {list}. 장바구니에서 빼고 나머지를 주문해 주세요.',
  sold_out_left: '{name} ({n}개 남음)',
  err_cart_changed: '주문하는 동안 테이블의 누군가가 장바구니를 바꿨어요. 확인하고 다시 주문해 주세요.',
  err_visit_closed: '이 테이블의 계산이 끝났어요. 주문하려면 테이블의 QR 코드를 다시 스캔해 주세요.',
  err_invalid: '주문을 받을 수 없어요: {message}',
  err_busy: '지금 주문이 많아요. 잠시 후 다시 시도해 주세요.',
  err_generic: '문제가 생겼어요({code}). 다시 시도하거나 직원에게 문의해 주세요.',
  err_cart_op: '변경하지 못했어요: {message}',
  add_unavailable: '{name}은(는) 품절이거나 지금 주문할 수 없어 담지 못했어요.',
  bad_table: '이 QR 코드는 더 이상 유효하지 않아요. 직원에게 새 코드를 요청해 주세요.',
  line_sold_out: '품절 — 빼고 주문해 주세요',
  line_unavailable: '지금은 주문할 수 없어요',
  line_changed: '담은 뒤 메뉴가 바뀌었어요',
  line_removed: '메뉴에서 빠졌어요',
  price_changed: '{name} 가격이 {price}(으)로 바뀌었어요.',
  now_sold_out: '{name}이(가) 방금 품절됐어요.',
  required: '필수',
  optional: '선택',
  pick_n: (v) => (v.min === v.max ? `${v.max}개 선택` : `최대 ${v.max}개`),
  quantity: '수량',
  add_to_cart: '{price} 담기',
  nickname_title: '테이블에서 보일 내 이름',
  nickname_help: '내가 담은 메뉴 옆에 이 이름이 보여요.',
  nickname_label: '이름',
  retry: '다시 시도',
  reload: '새로고침',
  service: '요청',
  service_pending: '직원 호출, 요청 {n}건 진행 중',
  service_title: '직원에게 요청',
  service_hint: '요청은 바로 직원에게 전달돼요. 그동안 주문은 계속할 수 있어요.',
  service_call_staff: '직원 호출',
  service_water: '물',
  service_bill: '계산서',
  service_none: '눌러서 요청',
  service_sending: '요청하는 중…',
  service_state_open: '요청했어요 — 곧 직원이 와요',
  service_state_acked: '직원이 가고 있어요',
  service_state_done: '완료',
  service_already: '{what}: 이미 요청했어요 — 곧 직원이 와요.',
  service_acked_toast: '{what}: 직원이 가고 있어요.',
  err_service_off: '지금은 테이블에서 이 요청을 받지 않아요. 직원에게 말씀해 주세요.',
  err_service_often: '요청이 너무 많아요. 직원이 알고 있으니 잠시만 기다려 주세요.',
};

export const STRINGS = { en, ko };
export const LANGUAGE_NAMES = { en: 'English', ko: '한국어' };

/** The page's language: the first of the browser's that the restaurant offers. */
export function chooseLanguage(offered, preferred) {
  const ours = offered.filter((l) => l in STRINGS);
  for (const p of preferred) {
    const base = String(p).toLowerCase().split('-')[0];
    if (ours.includes(base)) return base;
  }
  return ours[0] || 'en';
}

export function t(lang, key, vars = {}) {
  const s = (STRINGS[lang] || en)[key] ?? en[key] ?? key;
  if (typeof s === 'function') return s(vars);
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

/** A LocalizedText in `lang`, else English, else any. */
export function pick(lang, text) {
  if (!text) return '';
  return text[lang] || text.en || Object.values(text)[0] || '';
}

/** Digits of the minor unit (as the server's shared::money knows them). */
const ZERO_DECIMALS = new Set(['JPY', 'KRW', 'VND']);
const formats = new Map();

export function money(lang, minor, currency) {
  const digits = ZERO_DECIMALS.has(currency) ? 0 : 2;
  const key = `${lang}/${currency}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(localeFor(lang), {
      style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
    });
    formats.set(key, f);
  }
  return f.format(minor / 10 ** digits);
}

function localeFor(lang) {
  const nav = typeof navigator === 'undefined' ? [] : navigator.languages || [];
  return nav.find((l) => l.toLowerCase().split('-')[0] === lang) || (lang === 'ko' ? 'ko-KR' : lang);
}

const ALLERGENS = {
  gluten: ['Gluten', '글루텐'], wheat: ['Wheat', '밀'], egg: ['Egg', '달걀'], milk: ['Milk', '우유'],
  soy: ['Soy', '대두'], sesame: ['Sesame', '참깨'], peanuts: ['Peanuts', '땅콩'],
  tree_nuts: ['Tree nuts', '견과류'], fish: ['Fish', '생선'], shellfish: ['Shellfish', '갑각류·조개류'],
  celery: ['Celery', '셀러리'], mustard: ['Mustard', '겨자'], sulphites: ['Sulphites', '아황산류'],
  lupin: ['Lupin', '루핀'], molluscs: ['Molluscs', '연체류'], pork: ['Pork', '돼지고기'],
  beef: ['Beef', '쇠고기'], chicken: ['Chicken', '닭고기'], buckwheat: ['Buckwheat', '메밀'],
};

export function allergen(lang, code) {
  const a = ALLERGENS[code];
  if (!a) return code.replace(/_/g, ' ');
  return lang === 'ko' ? a[1] : a[0];
}

/** Default nicknames: friendly, short, and in both languages. */
export const NICKNAMES = [
  ['Otter', '수달'], ['Tiger', '호랑이'], ['Panda', '판다'], ['Fox', '여우'], ['Rabbit', '토끼'],
  ['Bear', '곰'], ['Crane', '두루미'], ['Magpie', '까치'], ['Deer', '사슴'], ['Dolphin', '돌고래'],
  ['Owl', '부엉이'], ['Squirrel', '다람쥐'],
];
