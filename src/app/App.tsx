/** Placeholder shell until the app issue lands: it names what the page will do. */
export function App() {
  return (
    <main>
      <h1>UFO Web</h1>
      <p>Detection and segmentation as text, in your browser. The app is under construction.</p>
    </main>
  );
}
