// How many units of a product a reader is told can be promised. Only a product sold from imported
// stock has such a count; the others are bought when sold (from a supplier, by hand, as a top-up
// or a link), so their stock column is not a count of anything and showing "0" would read as sold
// out. A stock product that falls back to suppliers still shows its own stock.
export function promisableUnits(fulfilmentMode: string, stockAvailable: number): number | null {
  return fulfilmentMode === 'stock' ? stockAvailable : null;
}
