// The console's entry module (placeholder until the console lands).
document.getElementById('app').textContent = 'QR Order console';
