// What the page works out about a cart from the menu it was given: line
// prices, the total, and why a line cannot be ordered as it is (sold out,
// not enough left, unavailable, gone, options changed). Shown at once so
// the diner sees a total and a problem before ordering; the server prices
// and checks stock again and its answer is the one that counts.
//
// Pure: no DOM, no state; `items` is the menu's item id → item map.

/** One unit of `item` with the chosen `options` ({group id: [option id]}), in minor units. */
export function unitPrice(item, options) {
  let price = item.price.amount_minor;
  for (const g of item.option_groups) {
    for (const id of options?.[g.id] || []) {
      price += g.options.find((o) => o.id === id)?.price_delta_minor || 0;
    }
  }
  return price;
}

/** Why a cart line cannot be ordered as it is (a text key), if it cannot. */
export function lineProblem(items, line, lines) {
  const item = items.get(line.item_id);
  if (!item) return 'line_removed';
  if (item.remaining === 0) return 'line_sold_out';
  if (!item.available) return 'line_unavailable';
  if (item.remaining !== null) {
    const wanted = lines.filter((l) => l.item_id === item.id).reduce((n, l) => n + l.qty, 0);
    if (wanted > item.remaining) return 'line_sold_out';
  }
  for (const [gid, picks] of Object.entries(line.options || {})) {
    const g = item.option_groups.find((x) => x.id === gid);
    if (!g || picks.some((p) => !g.options.some((o) => o.id === p))) return 'line_changed';
  }
  return null;
}

/** The total (minor units) of the lines whose dish is on the menu, and the count of every line. */
export function cartTotals(items, lines) {
  let total = 0;
  let count = 0;
  for (const l of lines) {
    const item = items.get(l.item_id);
    if (item) total += unitPrice(item, l.options) * l.qty;
    count += l.qty;
  }
  return { total, count };
}
