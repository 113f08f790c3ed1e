// Page/limit pagination with the metadata every list response carries.
export interface Pagination {
  page: number;
  limit: number;
  total: number;
  total_pages: number;
}

export interface Page<T> {
  data: T[];
  pagination: Pagination;
}

export function paginate<T>(items: T[], page = 1, limit = 20): Page<T> {
  const start = (page - 1) * limit;
  return {
    data: items.slice(start, start + limit),
    pagination: { page, limit, total: items.length, total_pages: Math.ceil(items.length / limit) },
  };
}
