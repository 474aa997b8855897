import 'leaflet/dist/leaflet.css';
import './styles.css';
import { ConsoleApp } from './app';

const root = document.getElementById('app');
if (root) void new ConsoleApp(root).boot();
