import MenuBookIcon from '@mui/icons-material/MenuBook';
import { BooksPage } from './BooksPage';

// The books as a resource so the menu shows it to those who may list closed periods.
export const books = { list: BooksPage, icon: MenuBookIcon };
