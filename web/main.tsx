/** Page entry: mounts the solid-js shell over the full-window canvas. */
import { render } from 'solid-js/web';
import { App } from './ui/App';
import { EmbedApp } from './ui/EmbedApp';

const canvas = document.getElementById('viewport');
const root = document.getElementById('app');
if (!(canvas instanceof HTMLCanvasElement) || !root) throw new Error('stormcore: index.html lacks #viewport or #app');
const embed = location.pathname === '/embed' || location.pathname.startsWith('/embed/');
render(() => (embed ? <EmbedApp canvas={canvas} /> : <App canvas={canvas} />), root);
