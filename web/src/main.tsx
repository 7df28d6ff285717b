import { showSignInPage } from './pages/sign-in-page.js';
import './styles.css';

// A new release replaces the chunks that an open page would still fetch when it shows its next
// page: a failed chunk loads the page anew, which gets the new release's.
window.addEventListener('vite:preloadError', () => window.location.reload());

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// Sign-in is the first page of every signed-out visit and needs no React: React, the router
// and react-aria are fetched only for the other pages (docs/web-ui.md "Bundle").
if (window.location.pathname === '/signin') {
  showSignInPage(root);
} else {
  void import('./spa.js').then(({ startApp }) => startApp(root));
}
